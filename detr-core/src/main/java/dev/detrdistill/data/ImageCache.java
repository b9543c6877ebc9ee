package dev.detrdistill.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decodes images once and keeps them downscaled to at most {@code maxSide} pixels (enough for the views
 * we render), so epochs after the first skip JPEG decoding. Unreadable images fail with the file named.
 */
public final class ImageCache {
    private final int maxSide;
    private final ConcurrentHashMap<String, BufferedImage> cache = new ConcurrentHashMap<>();

    public ImageCache(int maxSide) {
        this.maxSide = maxSide;
    }

    public BufferedImage get(ImageEntry entry) {
        return cache.computeIfAbsent(entry.file().toString(), k -> downscale(read(entry)));
    }

    /** Decodes an image file; throws {@link DataFormatException} naming the file when it is missing or corrupt. */
    public static BufferedImage read(ImageEntry entry) {
        if (!Files.isRegularFile(entry.file())) {
            throw new DataFormatException("image " + entry.file() + " (id " + entry.id() + ") is missing");
        }
        try {
            BufferedImage img = ImageDecoder.decode(entry.file().toFile(), "image " + entry.file());
            if (img == null) {
                throw new DataFormatException("image " + entry.file() + " (id " + entry.id()
                        + ") is not a readable image (corrupt or unknown format)");
            }
            return img;
        } catch (IOException | RuntimeException e) {
            if (e instanceof DataFormatException d) {
                throw d;
            }
            throw new DataFormatException(
                    "image " + entry.file() + " (id " + entry.id() + ") cannot be decoded: " + e.getMessage(), e);
        }
    }

    private BufferedImage downscale(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        double f = Math.min(1.0, maxSide / (double) Math.max(w, h));
        int nw = Math.max(1, (int) Math.round(w * f));
        int nh = Math.max(1, (int) Math.round(h * f));
        BufferedImage out = new BufferedImage(nw, nh, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(img, 0, 0, nw, nh, null);
        g.dispose();
        return out;
    }
}
