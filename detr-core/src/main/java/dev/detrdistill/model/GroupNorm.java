package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Group normalisation of {@code (B, C, H, W)} (DJL has none): per image and group of channels, then gamma, beta. */
final class GroupNorm {
    private GroupNorm() {}

    static NDArray apply(NDArray x, int groups, NDArray gamma, NDArray beta) {
        Shape s = x.getShape();
        NDArray g = x.reshape(s.get(0), groups, -1);
        NDArray centred = g.sub(g.mean(new int[] {2}, true));
        NDArray var = centred.square().mean(new int[] {2}, true);
        return centred.div(var.add(1e-5f).sqrt()).reshape(s).mul(gamma).add(beta);
    }
}
