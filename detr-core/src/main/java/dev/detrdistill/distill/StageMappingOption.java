package dev.detrdistill.distill;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads a stage-mapping setting as users write it: {@code proportional}, {@code reference} or {@code 2,4}. */
public final class StageMappingOption {
    private StageMappingOption() {}

    /** @param where the option or key it came from, for the error message */
    public static DistillationSettings apply(DistillationSettings settings, String value, String where) {
        if (value == null || value.isBlank()) {
            return settings;
        }
        String v = value.trim().toUpperCase(Locale.ROOT);
        for (StageMapping.Rule rule : StageMapping.Rule.values()) {
            if (rule.name().equals(v)) {
                return settings.withStages(rule, null);
            }
        }
        List<Integer> stages = new ArrayList<>();
        for (String part : value.split("[,\\s]+")) {
            try {
                stages.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        where + ": '" + value + "' is not proportional, reference or a list of 1-based teacher stages");
            }
        }
        return settings.withStages(StageMapping.Rule.PROPORTIONAL, stages);
    }
}
