package dev.detrdistill.data;

/** Bad dataset input; the message names the file and what is wrong with it. */
public final class DataFormatException extends RuntimeException {
    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
