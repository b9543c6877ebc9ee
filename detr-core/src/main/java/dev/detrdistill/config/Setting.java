package dev.detrdistill.config;

import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One setting, defined once: its key (in YAML files and {@code --set key=value}), its command-line option, its type,
 * default, allowed range and doc. Builders, picocli options and file readers all take it from here, as Kafka's
 * {@code ConfigDef} does, so a default or a range is written in one place.
 *
 * @param key the name in files and {@code --set}, e.g. {@code lr}
 * @param option the command-line option, e.g. {@code --lr}
 * @param type the value's class
 * @param defaultValue used when neither a file nor the command line sets it
 * @param valid the range check
 * @param range the range in words, for messages and docs, e.g. {@code in (0, 1)}
 * @param doc one sentence for {@code --help} and docs/configuration.md
 * @param parser text to value (command line, {@code --set}, YAML scalars that arrive as text)
 * @param printer value to the text picocli shows as the default
 */
public record Setting<T>(
        String key,
        String option,
        Class<T> type,
        T defaultValue,
        Predicate<T> valid,
        String range,
        String doc,
        Function<String, T> parser,
        Function<T, String> printer) {

    public Setting {
        if (!valid.test(defaultValue)) {
            throw new IllegalStateException(
                    "default of " + key + " (" + defaultValue + ") is outside its range " + range);
        }
    }

    public static Setting<Integer> integer(String key, String option, int dflt, int min, int max, String doc) {
        return new Setting<>(
                key,
                option,
                Integer.class,
                dflt,
                v -> v >= min && v <= max,
                "in [" + min + ", " + max + "]",
                doc,
                s -> Integer.parseInt(s.trim().replace("_", "")),
                String::valueOf);
    }

    public static Setting<Long> whole(String key, String option, long dflt, long min, long max, String doc) {
        return new Setting<>(
                key,
                option,
                Long.class,
                dflt,
                v -> v >= min && v <= max,
                "in [" + min + ", " + max + "]",
                doc,
                s -> Long.parseLong(s.trim().replace("_", "")),
                String::valueOf);
    }

    /** A float in {@code (lo, hi)} or {@code [lo, hi]} ({@code loInclusive}, {@code hiInclusive}). */
    public static Setting<Float> decimal(
            String key,
            String option,
            float dflt,
            float lo,
            boolean loInclusive,
            float hi,
            boolean hiInclusive,
            String doc) {
        Predicate<Float> ok =
                v -> Float.isFinite(v) && (loInclusive ? v >= lo : v > lo) && (hiInclusive ? v <= hi : v < hi);
        String range = "in " + (loInclusive ? "[" : "(") + fmt(lo) + ", " + fmt(hi) + (hiInclusive ? "]" : ")");
        return new Setting<>(
                key, option, Float.class, dflt, ok, range, doc, s -> Float.parseFloat(s.trim()), Setting::fmt);
    }

    public static <E extends Enum<E>> Setting<E> choice(String key, String option, Class<E> type, E dflt, String doc) {
        return new Setting<>(
                key,
                option,
                type,
                dflt,
                v -> v != null,
                "one of " + java.util.Arrays.toString(type.getEnumConstants()),
                doc,
                s -> Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT)),
                Enum::name);
    }

    /** Free text checked by {@code valid} (described by {@code range}), e.g. an encoding policy or an id. */
    public static Setting<String> text(
            String key, String option, String dflt, Predicate<String> valid, String range, String doc) {
        return new Setting<>(
                key, option, String.class, dflt, v -> v != null && valid.test(v), range, doc, String::trim, v -> v);
    }

    /** A min,max pair of doubles with {@code lo < min <= max <= hi}. */
    public static Setting<double[]> pair(
            String key, String option, double min, double max, double lo, double hi, String doc) {
        return new Setting<>(
                key,
                option,
                double[].class,
                new double[] {min, max},
                v -> v.length == 2 && v[0] > lo && v[0] <= v[1] && v[1] <= hi,
                "two numbers min,max with " + fmt(lo) + " < min <= max <= " + fmt(hi),
                doc,
                Setting::parsePair,
                v -> fmt(v[0]) + "," + fmt(v[1]));
    }

    /** Parses {@code text} and checks the range; the message names where the value came from and the key. */
    public T parse(String text, String where) {
        T v;
        try {
            v = parser.apply(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + ": " + key + "=" + text + " is not " + expected());
        }
        return check(v, where);
    }

    /** Checks the range; the message names where the value came from, the key and the range. */
    public T check(T v, String where) {
        if (v == null || !valid.test(v)) {
            throw new IllegalArgumentException(where + ": " + key + "=" + (v == null ? "null" : printer.apply(v))
                    + " is out of range; expected " + range);
        }
        return v;
    }

    public String defaultText() {
        return printer.apply(defaultValue);
    }

    /**
     * The same setting with another default (a documented profile, e.g. streamed students); the range still applies.
     */
    public Setting<T> withDefault(T dflt) {
        return new Setting<>(key, option, type, dflt, valid, range, doc, parser, printer);
    }

    private String expected() {
        if (type == Integer.class || type == Long.class) {
            return "a whole number (" + range + ")";
        }
        if (type == Float.class || type == Double.class) {
            return "a number (" + range + ")";
        }
        return range;
    }

    private static double[] parsePair(String s) {
        String[] parts = s.split(",");
        if (parts.length != 2) {
            throw new IllegalArgumentException("two numbers");
        }
        return new double[] {Double.parseDouble(parts[0].trim()), Double.parseDouble(parts[1].trim())};
    }

    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) {
            return String.valueOf((long) v);
        }
        String plain = String.valueOf(v);
        return plain.endsWith(".0") ? plain.substring(0, plain.length() - 2) : plain;
    }

    static String fmt(float v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) {
            return String.valueOf((long) v);
        }
        return Float.toString(v).replace("E", "e").replace(".0e", "e");
    }
}
