package dev.detrdistill.loss;

/** Weights of the DETR set loss terms (Deformable-DETR defaults: focal 2, L1 5, GIoU 2; focal alpha 0.25, gamma 2). */
public record LossWeights(float focal, float l1, float giou, float focalAlpha, float focalGamma) {
    public static LossWeights defaults() {
        return new LossWeights(2f, 5f, 2f, 0.25f, 2f);
    }
}
