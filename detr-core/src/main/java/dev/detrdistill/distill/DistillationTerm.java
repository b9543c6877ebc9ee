package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;

/** One weighted distillation loss term; switched off by leaving it out (or weight 0). */
public interface DistillationTerm {
    /** The key its value is logged under, e.g. {@code distill_ld}. */
    String name();

    float weight();

    /** The weighted scalar loss of this term for the step. */
    NDArray compute(DistillationContext ctx);
}
