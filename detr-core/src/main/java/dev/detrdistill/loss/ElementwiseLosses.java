package dev.detrdistill.loss;

import ai.djl.ndarray.NDArray;
import dev.detrdistill.box.Scalars;

/** Element-wise loss functions shared by the set loss and the distillation terms. */
public final class ElementwiseLosses {
    private ElementwiseLosses() {}

    /** Numerically stable {@code log(1 + exp(x))}: {@code max(x,0) + log(1 + exp(-|x|))}. */
    public static NDArray softplus(NDArray x) {
        return Scalars.maximum(x, 0f).add(Scalars.add(x.abs().neg().exp(), 1f).log());
    }

    /** Binary cross entropy with logits against (soft) targets {@code t}: {@code softplus(x) - x*t}. */
    public static NDArray bceWithLogits(NDArray logits, NDArray targets) {
        return softplus(logits).sub(logits.mul(targets));
    }
}
