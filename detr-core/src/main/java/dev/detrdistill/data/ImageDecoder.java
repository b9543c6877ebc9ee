package dev.detrdistill.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG/JPEG images after checking the size their header declares: a 1 KB file may declare
 * 20000 x 20000 pixels and make a plain decode allocate over a gigabyte. The limit is
 * {@value #DEFAULT_MAX_PIXELS} pixels unless the system property {@code detrdistill.image.maxPixels}
 * says otherwise.
 */
public final class ImageDecoder {
    public static final long DEFAULT_MAX_PIXELS = 64L * 1024 * 1024;

    private ImageDecoder() {}

    public static long maxPixels() {
        return Long.getLong("detrdistill.image.maxPixels", DEFAULT_MAX_PIXELS);
    }

    /**
     * @param source a {@link java.io.File} or an {@link java.io.InputStream}
     * @param what names the image in messages
     * @return the image, or null when no reader knows the format
     * @throws IOException when the image is corrupt or declares more than {@link #maxPixels()} pixels
     */
    public static BufferedImage decode(Object source, String what) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(source)) {
            if (in == null) {
                throw new IllegalArgumentException("cannot read " + what + " from a "
                        + source.getClass().getName() + "; pass a File or an InputStream");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > maxPixels()) {
                    throw new IOException(what + " declares " + reader.getWidth(0) + " x " + reader.getHeight(0)
                            + " pixels, more than the " + maxPixels()
                            + " allowed (system property detrdistill.image.maxPixels); refused before decoding");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        }
    }
}
