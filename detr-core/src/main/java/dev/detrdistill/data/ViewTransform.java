package dev.detrdistill.data;

import dev.detrdistill.box.Box;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders a {@link ViewParams} view of an image and transforms its boxes exactly the same way.
 * Pixels are normalised with the ImageNet mean and standard deviation.
 */
public final class ViewTransform {
    static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] STD = {0.229f, 0.224f, 0.225f};

    /** The per-channel RGB mean images are normalised with (a copy). */
    public static float[] mean() {
        return MEAN.clone();
    }

    /** The per-channel RGB standard deviation images are normalised with (a copy). */
    public static float[] std() {
        return STD.clone();
    }
    /** A box keeps less than this many pixels of width or height after a crop: it is removed from the view. */
    static final double MIN_VISIBLE_PX = 2.0;

    private ViewTransform() {}

    /** @param image the decoded image; its size may differ from the entry's (a cached downscale) */
    public static ImageView apply(ImageEntry entry, BufferedImage image, ViewParams v) {
        int out = v.outputSize();
        BufferedImage canvas = new BufferedImage(out, out, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        int dx0 = v.offsetX();
        int dy0 = v.offsetY();
        int dx1 = dx0 + v.scaledSize();
        int dy1 = dy0 + v.scaledSize();
        int sw = image.getWidth();
        int sh = image.getHeight();
        // Mirroring is drawing from the far edge of the source to its near edge.
        int sx0 = v.flip() ? sw : 0;
        int sx1 = v.flip() ? 0 : sw;
        int sy0 = v.verticalFlip() ? sh : 0;
        int sy1 = v.verticalFlip() ? 0 : sh;
        g.drawImage(image, dx0, dy0, dx1, dy1, sx0, sy0, sx1, sy1, null);
        g.dispose();

        double sx = v.scaledSize() / (double) entry.width();
        double sy = v.scaledSize() / (double) entry.height();
        List<float[]> boxes = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int cropped = 0;
        for (Annotation a : entry.annotations()) {
            Box b = a.box();
            if (v.flip()) {
                b = b.flipHorizontal(entry.width());
            }
            if (v.verticalFlip()) {
                b = b.flipVertical(entry.height());
            }
            b = b.scale(sx, sy).translate(dx0, dy0).clip(out, out);
            if (b.width() < MIN_VISIBLE_PX || b.height() < MIN_VISIBLE_PX) {
                cropped++;
                continue;
            }
            boxes.add(new float[] {
                (float) (b.cx() / out), (float) (b.cy() / out), (float) (b.width() / out), (float) (b.height() / out)
            });
            labels.add(a.classIndex());
        }
        float[] flat = new float[boxes.size() * 4];
        for (int i = 0; i < boxes.size(); i++) {
            System.arraycopy(boxes.get(i), 0, flat, 4 * i, 4);
        }
        DetectionTarget target = new DetectionTarget(
                flat, labels.stream().mapToInt(Integer::intValue).toArray());
        return new ImageView(entry.id(), toChw(canvas), out, target, v, cropped);
    }

    /** Normalised CHW floats of an RGB image. */
    public static float[] toChw(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] chw = new float[3 * w * h];
        int plane = w * h;
        for (int i = 0; i < plane; i++) {
            int p = rgb[i];
            chw[i] = (((p >> 16) & 0xff) / 255f - MEAN[0]) / STD[0];
            chw[plane + i] = (((p >> 8) & 0xff) / 255f - MEAN[1]) / STD[1];
            chw[2 * plane + i] = ((p & 0xff) / 255f - MEAN[2]) / STD[2];
        }
        return chw;
    }
}
