package dev.detrdistill.data;

/**
 * A model-ready view: normalised pixels {@code (3, S, S)} CHW row-major, its ground truth in normalised
 * cxcywh, and how many GT boxes the view's crop removed.
 */
public record ImageView(
        String imageId, float[] pixels, int size, DetectionTarget target, ViewParams params, int boxesCropped) {}
