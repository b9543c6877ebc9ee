package dev.detrdistill.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.model.DecoderType;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.train.Checkpoint;
import dev.detrdistill.train.CheckpointMeta;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DetectCommandTest {
    @TempDir
    Path tmp;

    private Path checkpoint() throws Exception {
        Path dir = tmp.resolve("model");
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            DetrConfig config = DetrConfig.builder()
                    .backboneWidths(List.of(8, 16, 16))
                    .blocksPerStage(0)
                    .hiddenDim(32)
                    .numHeads(4)
                    .ffnDim(64)
                    .encoderLayers(1)
                    .decoderLayers(2)
                    .numQueries(6)
                    .numClasses(3)
                    .decoder(DecoderType.DAB)
                    .imageSize(32)
                    .build();
            DetrModel model = new DetrModel(config).initializeParameters(m);
            Checkpoint.save(
                    dir,
                    new CheckpointMeta(CheckpointMeta.FORMAT_VERSION, config, SyntheticShapes.CLASSES, 0, null),
                    model,
                    null);
        }
        return dir;
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cli = DistillMain.commandLine();
        cli.setErr(new PrintWriter(err));
        return dev.detrdistill.cli.CommandLines.execute(cli, args);
    }

    @Test
    void refusesAnNmsThresholdBeforeReadingModelOrImages() {
        StringWriter err = new StringWriter();
        // Neither path exists: the threshold is what gets named, so it was checked first.
        int rc = run(
                err,
                "detect",
                "--model",
                tmp.resolve("no-model").toString(),
                "--images",
                tmp.resolve("no-images").toString(),
                "--nms",
                "0");
        assertTrue(rc != 0, "refused");
        assertTrue(err.toString().contains("NMS IoU threshold 0.0 is outside (0, 1]"), err.toString());
    }

    @Test
    void writesCocoResultsAndDrawnImagesAndNamesWhatItCannotRead() throws Exception {
        Path model = checkpoint();
        Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(5, 0, 48, 1, 3, 11));
        Path images = data.resolve("images");
        Files.writeString(images.resolve("broken.png"), "not a png");
        Files.writeString(images.resolve("notes.txt"), "not an image at all");
        int readable;
        try (Stream<Path> s = Files.list(images)) {
            readable = (int) s.filter(p -> p.toString().endsWith(".png")).count() - 1;
        }

        Path out1 = tmp.resolve("out1");
        StringWriter err = new StringWriter();
        assertEquals(
                0,
                run(
                        err,
                        "detect",
                        "--model",
                        model.toString(),
                        "--images",
                        images.toString(),
                        "--out",
                        out1.toString(),
                        "--threshold",
                        "0.0",
                        "--batch",
                        "4"));

        ObjectMapper json = new ObjectMapper();
        JsonNode index = json.readTree(out1.resolve("images.json").toFile());
        assertEquals(readable, index.get("images").size(), "every readable image, and only those: " + index);
        assertEquals(3, index.get("categories").size());
        JsonNode results = json.readTree(out1.resolve("detections.json").toFile());
        assertEquals(readable * 18, results.size(), "6 queries x 3 classes per image, all kept");
        for (JsonNode r : results) {
            double x = r.get("bbox").get(0).asDouble();
            double w = r.get("bbox").get(2).asDouble();
            assertTrue(x >= 0 && x + w <= 48.001, "boxes in the image's own pixels: " + r);
            assertTrue(r.get("category_id").asInt() >= 1 && r.get("category_id").asInt() <= 3, r.toString());
        }
        JsonNode first = index.get("images").get(0);
        Path source = Path.of(first.get("file_name").asText());
        String name = source.getFileName().toString();
        BufferedImage drawn = ImageIO.read(out1.resolve(name.substring(0, name.lastIndexOf('.')) + ".detections.png")
                .toFile());
        BufferedImage original = ImageIO.read(source.toFile());
        assertEquals(original.getWidth(), drawn.getWidth());
        assertEquals(original.getHeight(), drawn.getHeight());
        assertTrue(differs(original, drawn), "boxes were drawn");

        // Batch size changes nothing in the results.
        Path out8 = tmp.resolve("out8");
        assertEquals(
                0,
                run(
                        new StringWriter(),
                        "detect",
                        "--model",
                        model.toString(),
                        "--images",
                        images.toString(),
                        "--out",
                        out8.toString(),
                        "--threshold",
                        "0.5",
                        "--batch",
                        "1",
                        "--no-draw"));
        JsonNode again = json.readTree(out8.resolve("detections.json").toFile());
        assertEquals(results.size(), again.size());
        for (int i = 0; i < results.size(); i++) {
            assertEquals(
                    results.get(i).get("score").asDouble(),
                    again.get(i).get("score").asDouble(),
                    2e-3,
                    "detection " + i);
        }

        // A folder that already holds results is not overwritten silently; a single file works.
        StringWriter taken = new StringWriter();
        assertEquals(
                1,
                run(
                        taken,
                        "detect",
                        "--model",
                        model.toString(),
                        "--images",
                        source.toString(),
                        "--out",
                        out1.toString()));
        assertTrue(taken.toString().contains("--overwrite"), taken.toString());
        assertEquals(
                0,
                run(
                        new StringWriter(),
                        "detect",
                        "--model",
                        model.toString(),
                        "--images",
                        source.toString(),
                        "--out",
                        out1.toString(),
                        "--overwrite"));
        assertEquals(
                1,
                json.readTree(out1.resolve("images.json").toFile())
                        .get("images")
                        .size());
    }

    @Test
    void anUnreadableImageIsNamedAndAFolderWithoutImagesIsRefused() throws Exception {
        Path model = checkpoint();
        Path broken = Files.writeString(tmp.resolve("broken.jpg"), "not a jpeg");
        StringWriter err = new StringWriter();
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(stderr, true));
        int code;
        try {
            code = run(
                    err,
                    "detect",
                    "--model",
                    model.toString(),
                    "--images",
                    broken.toString(),
                    "--out",
                    tmp.resolve("o").toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(1, code, "nothing could be read");
        assertTrue(stderr.toString().contains("skipped " + broken), stderr.toString());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        StringWriter none = new StringWriter();
        assertEquals(1, run(none, "detect", "--model", model.toString(), "--images", empty.toString()));
        assertTrue(none.toString().contains("holds no image files"), none.toString());
    }

    private static boolean differs(BufferedImage a, BufferedImage b) {
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                if ((a.getRGB(x, y) & 0xFFFFFF) != (b.getRGB(x, y) & 0xFFFFFF)) {
                    return true;
                }
            }
        }
        return false;
    }
}
