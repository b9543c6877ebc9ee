package dev.detrdistill.producer;

import dev.detrdistill.config.Setting;
import dev.detrdistill.config.SettingGroup;
import java.util.List;

/**
 * Every producer setting, defined once: {@link TeacherProducer.Builder}'s defaults and {@code ./distill produce}'s
 * options.
 */
public final class ProducerSettings {
    public static final Setting<String> TEACHER_ID = Setting.text(
            "teacherId",
            "--teacher-id",
            "teacher",
            v -> v.matches("[A-Za-z0-9._-]{1,128}"),
            "1-128 letters, digits, '.', '_' or '-'",
            "Teacher id in records and card.");
    public static final Setting<Integer> TEACHER_VERSION = Setting.integer(
            "teacherVersion", "--teacher-version", 1, 1, Integer.MAX_VALUE, "Teacher version in records and card.");
    public static final Setting<String> ENCODING = Setting.text(
            "encoding",
            "--encoding",
            "fp16",
            ProducerSettings::validEncoding,
            "fp32, fp16, int8, or per field logits=..,embeddings=..,features=..,masks=..",
            "fp32, fp16 or int8 for all tensor fields, or per field: "
                    + "logits=fp32,embeddings=fp16,features=int8,masks=int8.");
    public static final Setting<Integer> VIEWS = Setting.integer(
            "views", "--views", 1, 1, 1024, "Views per image: view 0 plain, 1.. seeded flips/scale jitter.");
    public static final Setting<Integer> BATCH =
            Setting.integer("batch", "--batch", 8, 1, 4096, "Views per teacher forward pass.");
    public static final Setting<Long> SEED =
            Setting.whole("seed", "--seed", 7, Long.MIN_VALUE, Long.MAX_VALUE, "Seed of the augmented views.");
    public static final Setting<Integer> PARTITIONS =
            Setting.integer("partitions", "--partitions", 4, 1, 100_000, "Partitions of a new records topic.");
    public static final Setting<Long> RETENTION_MS = Setting.whole(
            "retentionMs",
            "--retention-ms",
            -1,
            -1,
            Long.MAX_VALUE,
            "Retention of a new records topic (-1 = forever, for replay).");

    public static final SettingGroup PRODUCE = new SettingGroup(
            "produce", List.of(TEACHER_ID, TEACHER_VERSION, ENCODING, VIEWS, BATCH, SEED, PARTITIONS, RETENTION_MS));

    private ProducerSettings() {}

    private static boolean validEncoding(String v) {
        try {
            EncodingPolicy.parse(v);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
