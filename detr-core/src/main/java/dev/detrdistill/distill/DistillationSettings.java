package dev.detrdistill.distill;

import java.util.List;

/**
 * Which distillation terms are on and their weights; a weight of 0 switches a term off (ablations).
 *
 * @param stageMapping 1-based teacher stage per student stage, or null for the proportional default
 */
public record DistillationSettings(float instance, float relation, float feature, float assignment,
        InstanceDistillation.ClassDistance classDistance, List<Integer> stageMapping) {

    public static DistillationSettings all() {
        return new DistillationSettings(1f, 1f, 1f, 1f, InstanceDistillation.ClassDistance.BCE, null);
    }

    public static DistillationSettings none() {
        return new DistillationSettings(0f, 0f, 0f, 0f, InstanceDistillation.ClassDistance.BCE, null);
    }

    public DistillationSettings validate() {
        for (float w : new float[] {instance, relation, feature, assignment}) {
            if (!(w >= 0 && w <= 1000)) {
                throw new IllegalArgumentException("distillation weight " + w + " is out of range; expected [0, 1000]");
            }
        }
        return this;
    }

    public boolean anyEnabled() {
        return instance > 0 || relation > 0 || feature > 0 || assignment > 0;
    }
}
