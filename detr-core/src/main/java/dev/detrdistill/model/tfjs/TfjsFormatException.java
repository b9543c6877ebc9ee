package dev.detrdistill.model.tfjs;

/** A TensorFlow.js model file that cannot be read or uses what this reader does not implement; says what and where. */
public final class TfjsFormatException extends RuntimeException {
    public TfjsFormatException(String message) {
        super(message);
    }

    public TfjsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
