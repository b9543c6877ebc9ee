package dev.detrdistill.train;

/** Thrown when a loss or gradient becomes NaN or infinite; the message names what and where. */
public final class NonFiniteLossException extends RuntimeException {
    public NonFiniteLossException(String message) {
        super(message);
    }
}
