package dev.detrdistill.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** Values of a {@link SettingGroup}, immutable: every value is in range (checked when it is set). */
public final class Settings {
    private final SettingGroup group;
    private final Map<String, Object> values;
    private final Set<String> explicit;

    Settings(SettingGroup group, Map<String, Object> values) {
        this(group, values, Set.of());
    }

    private Settings(SettingGroup group, Map<String, Object> values, Set<String> explicit) {
        this.group = group;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.explicit = Collections.unmodifiableSet(new LinkedHashSet<>(explicit));
    }

    /** The keys set on top of the defaults (by a file, an option or --set), in the order they were set. */
    public Set<String> explicitKeys() {
        return explicit;
    }

    private Set<String> plus(String key) {
        Set<String> next = new LinkedHashSet<>(explicit);
        next.add(key);
        return next;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> s) {
        Object v = values.get(s.key());
        if (v == null) {
            throw new IllegalArgumentException("setting " + s.key() + " is not in group " + group.name());
        }
        return (T) v;
    }

    public <T> Settings with(Setting<T> s, T value) {
        group.setting(s.key(), "setting");
        Map<String, Object> next = new LinkedHashMap<>(values);
        next.put(s.key(), s.check(value, s.option()));
        return new Settings(group, next, plus(s.key()));
    }

    /** Sets a value from text; {@code where} names its source in messages (a file, an option, --set). */
    public Settings withText(String key, String text, String where) {
        Setting<?> s = group.setting(key, where);
        Map<String, Object> next = new LinkedHashMap<>(values);
        next.put(key, s.parse(text, where));
        return new Settings(group, next, plus(key));
    }

    public Map<String, Object> asMap() {
        return values;
    }
}
