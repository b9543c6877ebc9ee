package dev.detrdistill.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The settings of one concern (training, producing), in order: the one definition that command-line options,
 * YAML sections and {@code --set key=value} overrides are made from.
 */
public final class SettingGroup {
    private final String name;
    private final Map<String, Setting<?>> byKey = new LinkedHashMap<>();

    public SettingGroup(String name, List<Setting<?>> settings) {
        this.name = name;
        for (Setting<?> s : settings) {
            if (byKey.put(s.key(), s) != null) {
                throw new IllegalStateException(name + ": setting " + s.key() + " defined twice");
            }
        }
    }

    public String name() {
        return name;
    }

    public List<Setting<?>> settings() {
        return new ArrayList<>(byKey.values());
    }

    public Setting<?> setting(String key, String where) {
        Setting<?> s = byKey.get(key);
        if (s == null) {
            throw new IllegalArgumentException(
                    where + ": unknown " + name + " key '" + key + "'; known keys: " + byKey.keySet());
        }
        return s;
    }

    /** Every setting at its default. */
    public Settings defaults() {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Setting<?> s : byKey.values()) {
            values.put(s.key(), s.defaultValue());
        }
        return new Settings(this, values);
    }

    /** The same group with some defaults replaced (a documented profile); ranges and docs unchanged. */
    public SettingGroup withDefaults(Map<String, Object> defaults) {
        List<Setting<?>> out = new ArrayList<>();
        for (Setting<?> s : byKey.values()) {
            out.add(defaults.containsKey(s.key()) ? redefault(s, defaults.get(s.key())) : s);
        }
        return new SettingGroup(name, out);
    }

    @SuppressWarnings("unchecked")
    private static <T> Setting<T> redefault(Setting<T> s, Object value) {
        return s.withDefault((T) value);
    }

    /**
     * Adds one option per setting to {@code spec} (with its default and doc), for {@link #read(CommandSpec, Settings)}.
     */
    public void addOptions(CommandSpec spec) {
        for (Setting<?> s : byKey.values()) {
            // Enums keep their type, so picocli lists and checks the choices; the rest is parsed (and range-checked)
            // here.
            spec.addOption(OptionSpec.builder(s.option())
                    .type(s.type().isEnum() ? s.type() : String.class)
                    .paramLabel("<" + s.key() + ">")
                    .defaultValue(s.defaultText())
                    .description(s.doc().replace("%", "%%") + " Default: ${DEFAULT-VALUE}")
                    .build());
        }
    }

    /**
     * The values of the options {@link #addOptions} added, over {@code base}: only options given on the command line
     * override it.
     */
    public Settings read(CommandSpec spec, Settings base) {
        Settings out = base;
        for (Setting<?> s : byKey.values()) {
            OptionSpec o = spec.findOption(s.option());
            if (o != null
                    && spec.commandLine() != null
                    && spec.commandLine().getParseResult() != null
                    && spec.commandLine().getParseResult().hasMatchedOption(o)) {
                out = out.withText(s.key(), String.valueOf((Object) o.getValue()), s.option());
            }
        }
        return out;
    }

    /** A YAML mapping over {@code base}; an unknown key is an error naming {@code where} and the known keys. */
    public Settings fromYaml(JsonNode node, Settings base, String where) {
        if (node == null || node.isNull()) {
            return base;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": expected a mapping");
        }
        Settings out = base;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            setting(e.getKey(), where);
            JsonNode v = e.getValue();
            if (v == null || v.isNull()) {
                continue;
            }
            if (!v.isValueNode() && !v.isArray()) {
                throw new IllegalArgumentException(where + ": '" + e.getKey() + "' must be a single value");
            }
            String text = v.isArray() ? String.join(",", toTexts(v)) : v.asText();
            out = out.withText(e.getKey(), text, where);
        }
        return out;
    }

    /** {@code key=value} overrides ({@code --set}) over {@code base}. */
    public Settings overrides(List<String> assignments, Settings base, String where) {
        Settings out = base;
        for (String a : assignments == null ? List.<String>of() : assignments) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(where + " " + a + ": expected key=value");
            }
            out = out.withText(a.substring(0, eq).trim(), a.substring(eq + 1), where);
        }
        return out;
    }

    private static List<String> toTexts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
