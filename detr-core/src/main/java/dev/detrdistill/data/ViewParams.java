package dev.detrdistill.data;

import java.util.SplittableRandom;

/**
 * One augmented view of an image, exactly reproducible: the image is resized to
 * {@code scaledSize x scaledSize}, mirrored left-right when {@code flip} (and upside down when
 * {@code verticalFlip}), and placed at {@code (offsetX, offsetY)} on an {@code outputSize} square canvas
 * (negative offsets crop, positive ones pad with zeros). Teacher records carry horizontal flips only:
 * vertical ones are for a detector's own training on images without an up, such as microscopy.
 */
public record ViewParams(boolean flip, int scaledSize, int offsetX, int offsetY, int outputSize, boolean verticalFlip) {
    public ViewParams {
        if (scaledSize < 1 || outputSize < 1) {
            throw new IllegalArgumentException(
                    "view sizes must be positive: scaled=" + scaledSize + " output=" + outputSize);
        }
    }

    /** A view without a vertical flip (every view a teacher record describes). */
    public ViewParams(boolean flip, int scaledSize, int offsetX, int offsetY, int outputSize) {
        this(flip, scaledSize, offsetX, offsetY, outputSize, false);
    }

    /** The plain view used for evaluation and inference: resize to the output size, nothing else. */
    public static ViewParams identity(int outputSize) {
        return new ViewParams(false, outputSize, 0, 0, outputSize);
    }

    /** A random view: flip with probability {@code flipProb}, scale jitter in [minScale, maxScale]. */
    public static ViewParams random(
            SplittableRandom rnd, int outputSize, double minScale, double maxScale, double flipProb) {
        return random(rnd, outputSize, minScale, maxScale, flipProb, 0);
    }

    /**
     * As above, and upside down with probability {@code verticalFlipProb}. At 0 it draws exactly the numbers
     * the five-argument form draws, so runs without vertical flips see the views they always saw.
     */
    public static ViewParams random(
            SplittableRandom rnd,
            int outputSize,
            double minScale,
            double maxScale,
            double flipProb,
            double verticalFlipProb) {
        double s = minScale + (maxScale - minScale) * rnd.nextDouble();
        int scaled = Math.max(1, (int) Math.round(outputSize * s));
        int slack = outputSize - scaled; // >0 pads, <0 crops
        int ox = slack == 0 ? 0 : (slack > 0 ? rnd.nextInt(slack + 1) : -rnd.nextInt(-slack + 1));
        int oy = slack == 0 ? 0 : (slack > 0 ? rnd.nextInt(slack + 1) : -rnd.nextInt(-slack + 1));
        boolean flip = rnd.nextDouble() < flipProb;
        boolean verticalFlip = verticalFlipProb > 0 && rnd.nextDouble() < verticalFlipProb;
        return new ViewParams(flip, scaled, ox, oy, outputSize, verticalFlip);
    }

    public double scale() {
        return scaledSize / (double) outputSize;
    }
}
