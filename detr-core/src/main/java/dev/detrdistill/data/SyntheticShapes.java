package dev.detrdistill.data;

import dev.detrdistill.box.Box;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * The project's own default data: a deterministic (seeded) COCO-format set of coloured shapes
 * (square, circle, triangle) on textured backgrounds, several objects per image. A fresh clone has no
 * other data, so tests, the demo and the default commands use this.
 */
public final class SyntheticShapes {
    public static final List<String> CLASSES = List.of("square", "circle", "triangle");

    private SyntheticShapes() {}

    /** Parameters of a generated set. */
    public record Spec(int trainImages, int valImages, int imageSize, int minObjects, int maxObjects, long seed) {
        public static Spec defaults() {
            return new Spec(400, 64, 128, 3, 8, 2024);
        }

        public static Spec tiny() {
            return new Spec(16, 8, 64, 2, 4, 7);
        }
    }

    /** Writes {@code images/}, {@code train.json} and {@code val.json} under {@code out}; returns {@code out}. */
    public static Path generate(Path out, Spec spec) throws IOException {
        Path imageDir = out.resolve("images");
        Files.createDirectories(imageDir);
        SplittableRandom rnd = new SplittableRandom(spec.seed());
        write(out, imageDir, "train", spec.trainImages(), spec, rnd.split(), 1);
        write(out, imageDir, "val", spec.valImages(), spec, rnd.split(), 100_000);
        return out;
    }

    private static void write(
            Path out, Path imageDir, String split, int count, Spec spec, SplittableRandom rnd, int firstId)
            throws IOException {
        List<ImageEntry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = String.valueOf(firstId + i);
            Path file = imageDir.resolve(split + "_" + id + ".png");
            List<Annotation> anns = new ArrayList<>();
            BufferedImage img = draw(spec, rnd.split(), anns);
            ImageIO.write(img, "png", file.toFile());
            entries.add(new ImageEntry(id, file, spec.imageSize(), spec.imageSize(), anns));
        }
        DetectionDataset ds = new DetectionDataset("synthetic/" + split, CLASSES, entries, new DataReport());
        CocoWriter.write(ds, out.resolve(split + ".json"), imageDir);
    }

    private static BufferedImage draw(Spec spec, SplittableRandom rnd, List<Annotation> anns) {
        int s = spec.imageSize();
        BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        Color bg1 = randomColor(rnd, 40, 140);
        Color bg2 = randomColor(rnd, 40, 140);
        g.setPaint(new java.awt.GradientPaint(0, 0, bg1, s, s, bg2));
        g.fillRect(0, 0, s, s);
        for (int k = 0; k < s * s / 40; k++) { // speckle texture so the background is not trivially flat
            g.setColor(randomColor(rnd, 30, 170));
            g.fillRect(rnd.nextInt(s), rnd.nextInt(s), 1 + rnd.nextInt(2), 1 + rnd.nextInt(2));
        }
        int n = spec.minObjects() + rnd.nextInt(spec.maxObjects() - spec.minObjects() + 1);
        List<Box> placed = new ArrayList<>();
        for (int k = 0; k < n * 4 && anns.size() < n; k++) {
            int size = (int) (s * (0.08 + 0.22 * rnd.nextDouble()));
            int w = size;
            int h = (int) (size * (0.7 + 0.6 * rnd.nextDouble()));
            int x = rnd.nextInt(Math.max(1, s - w));
            int y = rnd.nextInt(Math.max(1, s - h));
            Box box = new Box(x, y, x + w, y + h);
            if (placed.stream().anyMatch(p -> p.iou(box) > 0.2)) {
                continue;
            }
            int cls = rnd.nextInt(CLASSES.size());
            g.setColor(randomColor(rnd, 150, 255));
            switch (cls) {
                case 0 -> g.fillRect(x, y, w, h);
                case 1 -> g.fillOval(x, y, w, h);
                default -> g.fillPolygon(new int[] {x, x + w / 2, x + w}, new int[] {y + h, y, y + h}, 3);
            }
            placed.add(box);
            anns.add(new Annotation(box, cls));
        }
        g.dispose();
        return img;
    }

    private static Color randomColor(SplittableRandom rnd, int lo, int hi) {
        return new Color(lo + rnd.nextInt(hi - lo), lo + rnd.nextInt(hi - lo), lo + rnd.nextInt(hi - lo));
    }
}
