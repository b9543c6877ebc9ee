package dev.detrdistill.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.detrdistill.box.Box;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ViewTransformTest {
    /** A black 200x100 image with one white rectangle, and its annotation. */
    private static BufferedImage imageWithRect(Box r) {
        BufferedImage img = new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect((int) r.x0(), (int) r.y0(), (int) r.width(), (int) r.height());
        g.dispose();
        return img;
    }

    /** Bounding box of bright pixels in a normalised CHW view, in view pixels. */
    private static Box brightExtent(float[] chw, int s) {
        int x0 = s;
        int y0 = s;
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                if (chw[y * s + x] > 1.0f) { // red channel well above the normalised mean
                    x0 = Math.min(x0, x);
                    y0 = Math.min(y0, y);
                    x1 = Math.max(x1, x + 1);
                    y1 = Math.max(y1, y + 1);
                }
            }
        }
        return new Box(x0, y0, x1, y1);
    }

    @Test
    void boxesFollowPixelsUnderFlipScaleAndOffset() {
        Box rect = new Box(20, 10, 80, 50);
        ImageEntry entry = new ImageEntry("x", Path.of("x.png"), 200, 100, List.of(new Annotation(rect, 0)));
        BufferedImage img = imageWithRect(rect);
        SplittableRandom rnd = new SplittableRandom(3);
        for (int trial = 0; trial < 20; trial++) {
            ViewParams v = ViewParams.random(rnd, 64, 0.7, 1.3, 0.5, 0.5);
            ImageView view = ViewTransform.apply(entry, img, v);
            if (view.target().size() == 0) {
                assertEquals(1, view.boxesCropped(), "a box that leaves the view is counted");
                continue;
            }
            float[] b = view.target().boxes();
            Box fromTarget = Box.fromCxcywh(b[0] * 64, b[1] * 64, b[2] * 64, b[3] * 64);
            Box fromPixels = brightExtent(view.pixels(), 64);
            assertEquals(fromPixels.x0(), fromTarget.x0(), 1.5, "trial " + trial + " " + v);
            assertEquals(fromPixels.x1(), fromTarget.x1(), 1.5, "trial " + trial + " " + v);
            assertEquals(fromPixels.y0(), fromTarget.y0(), 1.5, "trial " + trial + " " + v);
            assertEquals(fromPixels.y1(), fromTarget.y1(), 1.5, "trial " + trial + " " + v);
        }
    }

    @Test
    void aVerticalFlipMirrorsBoxesTopToBottom() {
        Box rect = new Box(20, 10, 80, 30);
        ImageEntry entry = new ImageEntry("x", Path.of("x.png"), 200, 100, List.of(new Annotation(rect, 0)));
        ImageView view = ViewTransform.apply(entry, imageWithRect(rect), new ViewParams(false, 100, 0, 0, 100, true));
        float[] b = view.target().boxes();
        // x unchanged (0.1..0.4 of the width), y mirrored: 10..30 of 100 becomes 70..90.
        assertArrayEquals(new float[] {0.25f, 0.8f, 0.3f, 0.2f}, b, 1e-6f);
        Box fromPixels = brightExtent(view.pixels(), 100);
        assertEquals(70, fromPixels.y0(), 1.0);
        assertEquals(90, fromPixels.y1(), 1.0);
    }

    @Test
    void withoutVerticalFlipsTheRandomViewsAreTheOnesAlwaysDrawn() {
        SplittableRandom a = new SplittableRandom(11);
        SplittableRandom b = new SplittableRandom(11);
        for (int i = 0; i < 50; i++) {
            ViewParams old = ViewParams.random(a, 64, 0.7, 1.3, 0.5);
            ViewParams same = ViewParams.random(b, 64, 0.7, 1.3, 0.5, 0);
            assertEquals(old, same, "draw " + i);
        }
        SplittableRandom c = new SplittableRandom(11);
        long flipped = java.util.stream.IntStream.range(0, 400)
                .filter(i -> ViewParams.random(c, 64, 0.7, 1.3, 0.5, 0.5).verticalFlip())
                .count();
        assertTrue(flipped > 150 && flipped < 250, "about half flipped: " + flipped);
    }

    @Test
    void identityViewOnlyResizes() {
        Box rect = new Box(50, 25, 150, 75);
        ImageEntry entry = new ImageEntry("x", Path.of("x.png"), 200, 100, List.of(new Annotation(rect, 2)));
        ImageView view = ViewTransform.apply(entry, imageWithRect(rect), ViewParams.identity(32));
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, view.target().boxes(), 1e-6f);
        assertArrayEquals(new int[] {2}, view.target().labels());
        assertTrue(view.pixels().length == 3 * 32 * 32);
    }
}
