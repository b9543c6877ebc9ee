package dev.detrdistill.app;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detrdistill.cli.DeviceOption;
import dev.detrdistill.data.ImageDecoder;
import dev.detrdistill.data.ImageEntry;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.data.ViewParams;
import dev.detrdistill.data.ViewTransform;
import dev.detrdistill.eval.BoxPainter;
import dev.detrdistill.eval.ClassWiseNms;
import dev.detrdistill.eval.Detection;
import dev.detrdistill.eval.DetectorEvaluator;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.progress.ProgressBar;
import dev.detrdistill.train.Checkpoint;
import dev.detrdistill.train.CheckpointMeta;
import dev.detrdistill.train.RunFolder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a trained detector on image files: COCO-format results, the images with their boxes drawn, and the speed. */
@Command(
        name = "detect",
        mixinStandardHelpOptions = true,
        description = {
            "Detect objects in images with a trained checkpoint (a student or a teacher).",
            "Writes <out>/detections.json (COCO results), <out>/images.json (ids, files, categories) and "
                    + "<out>/<image>.png with boxes."
        })
public final class DetectCommand implements Callable<Integer> {
    static final List<String> IMAGE_SUFFIXES = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    @Option(
            names = "--model",
            required = true,
            paramLabel = "<checkpoint>",
            description = "A checkpoint folder (from train, trainer or demo).")
    Path model;

    @Option(
            names = "--images",
            required = true,
            paramLabel = "<dir|file>",
            description = "An image file, or a folder of them (png, jpg, bmp, gif; not recursive).")
    Path images;

    @Option(
            names = "--out",
            defaultValue = "runs/detect",
            paramLabel = "<dir>",
            description = "Output folder. Default: ${DEFAULT-VALUE}")
    Path out;

    @Option(
            names = "--threshold",
            defaultValue = "0.3",
            paramLabel = "<score>",
            description =
                    "Boxes drawn and listed at or above this score (detections.json keeps the top 100 per image). "
                            + "Default: ${DEFAULT-VALUE}")
    double threshold;

    @Option(names = "--batch", defaultValue = "8", description = "Images per forward pass. Default: ${DEFAULT-VALUE}")
    int batch;

    @Option(
            names = "--nms",
            paramLabel = "<iou>",
            description = "Class-wise non-maximum suppression at this IoU, e.g. 0.7 (off by default: DETR's queries "
                    + "learn not to repeat each other; a briefly trained DETR still does on some objects).")
    Double nms;

    @Option(names = "--no-draw", description = "Write detections.json only, no drawn images (for timing).")
    boolean noDraw;

    @Option(names = "--overwrite", description = "Replace detections already in --out.")
    boolean overwrite;

    @picocli.CommandLine.Mixin
    DeviceOption device;

    @Override
    public Integer call() throws Exception {
        device.apply();
        if (batch < 1 || batch > 1024) {
            throw new IllegalArgumentException("--batch must be 1..1024, got " + batch);
        }
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("--threshold must be a score in [0, 1], got " + threshold);
        }
        ClassWiseNms suppression = nms == null ? null : new ClassWiseNms(nms);
        List<Path> files = imageFiles(images);
        CheckpointMeta meta = Checkpoint.readMeta(model);
        RunFolder.claim(out, List.of("detections.json", "images.json"), false, overwrite, "--out", "");
        Files.createDirectories(out);
        PrintStream err = System.err;
        List<String> classes = meta.classNames();
        DetectionSink sink = new DetectionSink(classes);
        int size = meta.config().imageSize();
        long inferenceNanos = 0;
        int done = 0;
        int unreadable = 0;
        try (NDManager manager = dev.detrdistill.model.Devices.newManager()) {
            DetrModel detector = Checkpoint.loadModel(model, manager);
            warmUp(detector, manager, Math.min(batch, files.size()), size);
            ProgressBar bar = new ProgressBar(err, "detect", files.size());
            for (int start = 0; start < files.size(); start += batch) {
                List<ImageEntry> entries = new ArrayList<>();
                List<BufferedImage> pictures = new ArrayList<>();
                for (Path f : files.subList(start, Math.min(files.size(), start + batch))) {
                    BufferedImage img;
                    try {
                        img = ImageDecoder.decode(f.toFile(), f.toString());
                        if (img == null) {
                            throw new IOException("no image reader knows its format (png, jpeg, bmp, gif)");
                        }
                    } catch (IOException e) {
                        err.println("skipped " + f + ": " + e.getMessage());
                        unreadable++;
                        continue;
                    }
                    entries.add(
                            new ImageEntry(f.getFileName().toString(), f, img.getWidth(), img.getHeight(), List.of()));
                    pictures.add(img);
                }
                if (!entries.isEmpty()) {
                    List<ImageView> views = new ArrayList<>();
                    for (int i = 0; i < entries.size(); i++) {
                        views.add(ViewTransform.apply(entries.get(i), pictures.get(i), ViewParams.identity(size)));
                    }
                    long t0 = System.nanoTime();
                    List<Detection> dets = DetectorEvaluator.detect(detector, entries, views, manager);
                    if (suppression != null) {
                        dets = suppression.apply(dets);
                    }
                    inferenceNanos += System.nanoTime() - t0;
                    for (int i = 0; i < entries.size(); i++) {
                        ImageEntry e = entries.get(i);
                        List<Detection> mine = dets.stream()
                                .filter(d -> d.imageId().equals(e.id()))
                                .toList();
                        sink.add(e, mine);
                        if (!noDraw) {
                            List<Detection> shown = mine.stream()
                                    .filter(d -> d.score() >= threshold)
                                    .toList();
                            ImageIO.write(
                                    BoxPainter.paint(pictures.get(i), shown, classes),
                                    "png",
                                    out.resolve(drawnName(e.id())).toFile());
                        }
                    }
                    done += entries.size();
                }
                bar.update(start + Math.min(batch, files.size() - start), 0, "images");
            }
        }
        sink.write(out);
        System.out.print(sink.summary(threshold));
        double seconds = inferenceNanos / 1e9;
        System.out.printf(
                Locale.ROOT,
                "%d images in %.2f s of inference at batch %d (after one warm-up pass): %.1f images/s (%s, %d px)%n",
                done,
                seconds,
                batch,
                done / Math.max(1e-9, seconds),
                model,
                size);
        System.out.println("wrote " + out.resolve("detections.json") + (noDraw ? "" : " and the drawn images"));
        if (unreadable > 0) {
            System.out.println(unreadable + " file(s) could not be read (named above)");
        }
        return done == 0 ? 1 : 0;
    }

    /** One untimed pass at the batch size, so the reported speed leaves out the engine's first-call set-up. */
    private static void warmUp(DetrModel detector, NDManager manager, int batch, int size) {
        try (NDManager sm = manager.newSubManager()) {
            detector.detect(
                            new ai.djl.training.ParameterStore(sm, false),
                            sm.zeros(new ai.djl.ndarray.types.Shape(batch, 3, size, size)),
                            false)
                    .queries()
                    .lastLogits()
                    .toFloatArray();
        }
    }

    static String drawnName(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return (dot > 0 ? fileName.substring(0, dot) : fileName) + ".detections.png";
    }

    /** The image files of {@code path}: itself, or the image files directly in the folder, by name. */
    static List<Path> imageFiles(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            return List.of(path);
        }
        if (!Files.isDirectory(path)) {
            throw new IllegalArgumentException("--images " + path + " is neither an image file nor a folder");
        }
        try (Stream<Path> s = Files.list(path)) {
            List<Path> files = s.filter(Files::isRegularFile)
                    .filter(p -> IMAGE_SUFFIXES.stream().anyMatch(x -> p.getFileName()
                            .toString()
                            .toLowerCase(Locale.ROOT)
                            .endsWith(x)))
                    .filter(p -> !p.getFileName().toString().endsWith(".detections.png"))
                    .sorted()
                    .toList();
            if (files.isEmpty()) {
                throw new IllegalArgumentException(
                        "--images " + path + " holds no image files (" + String.join(", ", IMAGE_SUFFIXES) + ")");
            }
            return files;
        }
    }

    /** Collects results in the COCO results format, with an index of the images and categories they refer to. */
    static final class DetectionSink {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final ArrayNode results = JSON.createArrayNode();
        private final ArrayNode imageIndex = JSON.createArrayNode();
        private final List<String> classes;
        private int images;
        private final List<List<Detection>> perImage = new ArrayList<>();
        private final List<String> names = new ArrayList<>();

        DetectionSink(List<String> classes) {
            this.classes = classes;
        }

        void add(ImageEntry e, List<Detection> dets) {
            int id = ++images;
            imageIndex
                    .addObject()
                    .put("id", id)
                    .put("file_name", e.file().toString())
                    .put("width", e.width())
                    .put("height", e.height());
            for (Detection d : dets) {
                results.addObject()
                        .put("image_id", id)
                        .put("category_id", d.classIndex() + 1)
                        .put("score", round(d.score()))
                        .set(
                                "bbox",
                                JSON.createArrayNode()
                                        .add(round(d.box().x0()))
                                        .add(round(d.box().y0()))
                                        .add(round(d.box().width()))
                                        .add(round(d.box().height())));
            }
            perImage.add(dets);
            names.add(e.id());
        }

        void write(Path out) throws IOException {
            JSON.writeValue(out.resolve("detections.json").toFile(), results);
            ObjectNode index = JSON.createObjectNode();
            index.set("images", imageIndex);
            ArrayNode cats = index.putArray("categories");
            for (int c = 0; c < classes.size(); c++) {
                cats.addObject().put("id", c + 1).put("name", classes.get(c));
            }
            JSON.writerWithDefaultPrettyPrinter()
                    .writeValue(out.resolve("images.json").toFile(), index);
        }

        /** One line per image: its file and the detections at or above the threshold, best first. */
        String summary(double threshold) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < perImage.size(); i++) {
                List<Detection> kept = perImage.get(i).stream()
                        .filter(d -> d.score() >= threshold)
                        .sorted((a, b) -> Double.compare(b.score(), a.score()))
                        .toList();
                sb.append(names.get(i))
                        .append(": ")
                        .append(kept.size())
                        .append(" at score >= ")
                        .append(threshold);
                for (Detection d : kept.subList(0, Math.min(5, kept.size()))) {
                    sb.append(String.format(Locale.ROOT, "  %s %.2f", classes.get(d.classIndex()), d.score()));
                }
                sb.append('\n');
            }
            return sb.toString();
        }

        private static double round(double v) {
            return Math.round(v * 1000) / 1000.0;
        }
    }
}
