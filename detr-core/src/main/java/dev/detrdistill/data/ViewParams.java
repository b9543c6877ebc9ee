package dev.detrdistill.data;

import java.util.SplittableRandom;

/**
 * One augmented view of an image, exactly reproducible: the image is resized to
 * {@code scaledSize x scaledSize}, mirrored when {@code flip}, and placed at {@code (offsetX, offsetY)} on an
 * {@code outputSize} square canvas (negative offsets crop, positive ones pad with zeros).
 */
public record ViewParams(boolean flip, int scaledSize, int offsetX, int offsetY, int outputSize) {
    public ViewParams {
        if (scaledSize < 1 || outputSize < 1) {
            throw new IllegalArgumentException(
                    "view sizes must be positive: scaled=" + scaledSize + " output=" + outputSize);
        }
    }

    /** The plain view used for evaluation and inference: resize to the output size, nothing else. */
    public static ViewParams identity(int outputSize) {
        return new ViewParams(false, outputSize, 0, 0, outputSize);
    }

    /** A random view: flip with probability {@code flipProb}, scale jitter in [minScale, maxScale]. */
    public static ViewParams random(
            SplittableRandom rnd, int outputSize, double minScale, double maxScale, double flipProb) {
        double s = minScale + (maxScale - minScale) * rnd.nextDouble();
        int scaled = Math.max(1, (int) Math.round(outputSize * s));
        int slack = outputSize - scaled; // >0 pads, <0 crops
        int ox = slack == 0 ? 0 : (slack > 0 ? rnd.nextInt(slack + 1) : -rnd.nextInt(-slack + 1));
        int oy = slack == 0 ? 0 : (slack > 0 ? rnd.nextInt(slack + 1) : -rnd.nextInt(-slack + 1));
        return new ViewParams(rnd.nextDouble() < flipProb, scaled, ox, oy, outputSize);
    }

    public double scale() {
        return scaledSize / (double) outputSize;
    }
}
