package dev.detrdistill.trainer.flink;

import java.io.Serializable;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Where reading starts: the earliest offset, the latest (live only), or the first record at or after a time. */
public record StartPosition(Kind kind, long timestampMs) implements Serializable {
    public enum Kind {
        EARLIEST,
        LATEST,
        TIMESTAMP
    }

    public static final StartPosition EARLIEST = new StartPosition(Kind.EARLIEST, 0);
    public static final StartPosition LATEST = new StartPosition(Kind.LATEST, 0);

    /**
     * Parses {@code earliest}, {@code latest}, epoch milliseconds or an ISO-8601 instant ({@code
     * 2026-11-28T06:00:00Z}).
     */
    public static StartPosition parse(String s) {
        String v = s.trim();
        if (v.equalsIgnoreCase("earliest")) {
            return EARLIEST;
        }
        if (v.equalsIgnoreCase("latest")) {
            return LATEST;
        }
        try {
            return new StartPosition(Kind.TIMESTAMP, Long.parseLong(v));
        } catch (NumberFormatException e) {
            try {
                return new StartPosition(Kind.TIMESTAMP, Instant.parse(v).toEpochMilli());
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException(
                        "--from " + s + ": expected earliest, latest, epoch milliseconds or an ISO-8601 instant "
                                + "such as 2026-11-28T06:00:00Z");
            }
        }
    }

    @Override
    public String toString() {
        return kind == Kind.TIMESTAMP
                ? Instant.ofEpochMilli(timestampMs).toString()
                : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
