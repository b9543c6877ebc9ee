package dev.detrdistill.producer;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** What a produce run did, measured. */
public final class ProduceSummary {
    long produced;
    long skipped;
    long claimChecked;
    final Map<String, Long> deadLetters = new TreeMap<>();
    long recordBytes;
    final Map<String, Long> fieldBytes = new java.util.LinkedHashMap<>();
    double inferenceSeconds;
    double encodeSeconds;
    double sendSeconds;
    double wallSeconds;

    public long produced() {
        return produced;
    }

    public long skipped() {
        return skipped;
    }

    public long claimChecked() {
        return claimChecked;
    }

    public long deadLettered() {
        return deadLetters.values().stream().mapToLong(Long::longValue).sum();
    }

    public Map<String, Long> deadLetters() {
        return deadLetters;
    }

    public double inferenceSeconds() {
        return inferenceSeconds;
    }

    public double encodeSeconds() {
        return encodeSeconds;
    }

    public double sendSeconds() {
        return sendSeconds;
    }

    public double wallSeconds() {
        return wallSeconds;
    }

    public double meanRecordBytes() {
        return produced == 0 ? 0 : recordBytes / (double) produced;
    }

    public Map<String, Long> fieldBytes() {
        return fieldBytes;
    }

    /** Encoding and sending time as a share of the teacher's inference time. */
    public double overhead() {
        return inferenceSeconds == 0 ? 0 : (encodeSeconds + sendSeconds) / inferenceSeconds;
    }

    void dead(String reason) {
        deadLetters.merge(reason, 1L, Long::sum);
    }

    public String render() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                Locale.ROOT,
                "produced %d records (%.1f KB mean Avro size), skipped %d already on the topic, "
                        + "%d by claim check, %d dead-lettered%n",
                produced,
                meanRecordBytes() / 1024,
                skipped,
                claimChecked,
                deadLettered()));
        deadLetters.forEach((k, v) -> s.append(String.format(Locale.ROOT, "  dead letters: %d x %s%n", v, k)));
        if (produced > 0) {
            s.append("  bytes per record by field:");
            fieldBytes.forEach((k, v) -> s.append(String.format(
                    Locale.ROOT, " %s=%.0f (%.1f%%)", k, v / (double) produced, 100.0 * v / Math.max(1, recordBytes))));
            s.append('\n');
        }
        s.append(String.format(
                Locale.ROOT,
                "  time: teacher inference %.2f s, encoding %.2f s, sending %.2f s, wall %.2f s; "
                        + "encode+send overhead %.1f%% of inference%n",
                inferenceSeconds,
                encodeSeconds,
                sendSeconds,
                wallSeconds,
                100 * overhead()));
        return s.toString();
    }
}
