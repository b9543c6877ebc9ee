package dev.detrdistill.distill;

import java.util.List;
import java.util.Locale;

/**
 * Which distillation terms are on and their weights; a weight of 0 switches a term off (ablations).
 *
 * @param instance LD weight (1 in the reference)
 * @param contrastive cl weight per stage (0.2 in the reference)
 * @param relation the query-relation term's weight (an option; off by default)
 * @param feature FD weight (1 in the reference)
 * @param assignment AD weight (1 in the reference)
 * @param stageRule how student stages pair with teacher stages when {@code stageMapping} is null
 * @param stageMapping 1-based teacher stage per student stage, or null to use {@code stageRule}
 */
public record DistillationSettings(
        float instance,
        float contrastive,
        float relation,
        float feature,
        float assignment,
        InstanceDistillation.ClassDistance classDistance,
        StageMapping.Rule stageRule,
        List<Integer> stageMapping) {

    /** The term names, as {@code --terms} and logs spell them. */
    public static final List<String> TERMS = List.of("ld", "cl", "rel", "fd", "ad");
    /** The reference's terms: LD, the contrastive term, FD and AD. */
    public static final List<String> DEFAULT_TERMS = List.of("ld", "cl", "fd", "ad");

    public DistillationSettings {
        stageRule = stageRule == null ? StageMapping.Rule.PROPORTIONAL : stageRule;
        stageMapping = stageMapping == null ? null : List.copyOf(stageMapping);
    }

    /** The reference's default: ld 1, cl 0.2, fd 1, ad 1 (rel off). */
    public static DistillationSettings all() {
        return ofTerms(DEFAULT_TERMS);
    }

    public static DistillationSettings none() {
        return new DistillationSettings(0f, 0f, 0f, 0f, 0f, InstanceDistillation.ClassDistance.BCE, null, null);
    }

    /** The named terms at their reference weights (rel at 1), the rest off. */
    public static DistillationSettings ofTerms(List<String> terms) {
        for (String t : terms) {
            if (!TERMS.contains(t.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(
                        "unknown distillation term '" + t + "'; known: " + String.join(", ", TERMS));
            }
        }
        List<String> on = terms.stream().map(t -> t.toLowerCase(Locale.ROOT)).toList();
        return new DistillationSettings(
                on.contains("ld") ? 1f : 0f,
                on.contains("cl") ? 0.2f : 0f,
                on.contains("rel") ? 1f : 0f,
                on.contains("fd") ? 1f : 0f,
                on.contains("ad") ? 1f : 0f,
                InstanceDistillation.ClassDistance.BCE,
                null,
                null);
    }

    /** The weight of a term by name ({@link #TERMS}). */
    public float weight(String term) {
        return switch (term) {
            case "ld" -> instance;
            case "cl" -> contrastive;
            case "rel" -> relation;
            case "fd" -> feature;
            case "ad" -> assignment;
            default ->
                throw new IllegalArgumentException(
                        "unknown distillation term '" + term + "'; known: " + String.join(", ", TERMS));
        };
    }

    public DistillationSettings withWeight(String term, float w) {
        return new DistillationSettings(
                term.equals("ld") ? w : instance,
                term.equals("cl") ? w : contrastive,
                term.equals("rel") ? w : relation,
                term.equals("fd") ? w : feature,
                term.equals("ad") ? w : assignment,
                classDistance,
                stageRule,
                stageMapping);
    }

    public DistillationSettings withClassDistance(InstanceDistillation.ClassDistance d) {
        return new DistillationSettings(
                instance, contrastive, relation, feature, assignment, d, stageRule, stageMapping);
    }

    public DistillationSettings withStages(StageMapping.Rule rule, List<Integer> explicit) {
        return new DistillationSettings(
                instance, contrastive, relation, feature, assignment, classDistance, rule, explicit);
    }

    public DistillationSettings validate() {
        for (String t : TERMS) {
            float w = weight(t);
            if (!(w >= 0 && w <= 1000)) {
                throw new IllegalArgumentException(
                        "distillation weight of " + t + " = " + w + " is out of range; expected [0, 1000]");
            }
        }
        return this;
    }

    public boolean anyEnabled() {
        return TERMS.stream().anyMatch(t -> weight(t) > 0);
    }

    /** The mapping for a student of {@code studentStages} and a teacher of {@code teacherStages}. */
    public StageMapping mapping(int studentStages, int teacherStages) {
        return stageMapping == null
                ? StageMapping.of(stageRule, studentStages, teacherStages)
                : StageMapping.explicit(stageMapping, studentStages, teacherStages);
    }
}
