package dev.detrdistill.app;

import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.SyntheticShapes;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "data",
        mixinStandardHelpOptions = true,
        description = "Generate the synthetic dataset, or check a dataset.")
final class DataCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "synthetic | check")
    String action;

    @Option(
            names = "--out",
            defaultValue = "runs/data/synthetic",
            description = "Where 'synthetic' writes. Default: ${DEFAULT-VALUE}")
    Path out;

    @Option(
            names = "--images",
            defaultValue = "400",
            description = "Training images to generate. Default: ${DEFAULT-VALUE}")
    int images;

    @Option(names = "--seed", defaultValue = "2024", description = "Generator seed. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--data", description = "Dataset to check.")
    Path data;

    @Option(names = "--split", defaultValue = "train", description = "Split to check. Default: ${DEFAULT-VALUE}")
    String split;

    @Override
    public Integer call() throws Exception {
        switch (action) {
            case "synthetic" -> {
                SyntheticShapes.Spec d = SyntheticShapes.Spec.defaults();
                SyntheticShapes.generate(
                        out,
                        new SyntheticShapes.Spec(
                                images, d.valImages(), d.imageSize(), d.minObjects(), d.maxObjects(), seed));
                System.out.println("wrote " + out.resolve("train.json") + ", " + out.resolve("val.json") + " and "
                        + out.resolve("images"));
            }
            case "check" -> {
                if (data == null) {
                    throw new IllegalArgumentException("check needs --data <path>");
                }
                DetectionDataset ds = DatasetLoader.load(data, split);
                System.out.printf(
                        "%s: %d images, %d objects, classes %s%n",
                        ds.name(), ds.images().size(), ds.numObjects(), ds.classNames());
                System.out.println(ds.report().summary());
            }
            default -> throw new IllegalArgumentException("unknown data action '" + action + "' (synthetic, check)");
        }
        return 0;
    }
}
