package dev.detrdistill.cli;

import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.SyntheticShapes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --data} option shared by commands: a dataset path, or the generated synthetic default. */
public final class DataOptions {
    @Option(
            names = "--data",
            paramLabel = "<path>",
            description = "VOC folder, folder with <split>.json + images/, or COCO .json. Default: the synthetic "
                    + "shapes set, generated under runs/data/synthetic on first use.")
    Path data;

    @Option(
            names = "--max-images",
            paramLabel = "<n>",
            defaultValue = "0",
            description = "Use only the first n images of each split (0 = all). Default: ${DEFAULT-VALUE}")
    int maxImages;

    public Path root() throws IOException {
        if (data != null) {
            return data;
        }
        Path synthetic = Path.of("runs/data/synthetic");
        if (!Files.exists(synthetic.resolve("train.json"))) {
            System.err.println("generating the synthetic default dataset under " + synthetic);
            SyntheticShapes.generate(synthetic, SyntheticShapes.Spec.defaults());
        }
        return synthetic;
    }

    public DetectionDataset load(String split) throws IOException {
        return DatasetLoader.load(root(), split).limit(maxImages);
    }
}
