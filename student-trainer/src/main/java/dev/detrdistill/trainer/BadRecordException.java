package dev.detrdistill.trainer;

/** A record that cannot be trained on; it goes to the dead-letter output under {@link #reason()}. */
public final class BadRecordException extends RuntimeException {
    private final String reason;

    /**
     * @param reason short, stable category (dead letters are counted by it)
     * @param detail what and where, for the operator reading the dead letter
     */
    public BadRecordException(String reason, String detail) {
        super(detail);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
