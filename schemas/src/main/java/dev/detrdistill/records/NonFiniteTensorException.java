package dev.detrdistill.records;

/** A tensor holds NaN or infinity; records carrying it are routed to the dead-letter topic. */
public final class NonFiniteTensorException extends IllegalArgumentException {
    public NonFiniteTensorException(String message) {
        super(message);
    }
}
