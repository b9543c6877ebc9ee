package dev.detrdistill;

import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.SyntheticShapes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Shared fixtures: a tiny synthetic dataset generated once per test JVM. */
public final class TestData {
    private static Path tiny;

    private TestData() {}

    public static synchronized Path tinySyntheticRoot() {
        if (tiny == null) {
            try {
                tiny = SyntheticShapes.generate(
                        Files.createTempDirectory("synthetic-tiny"), SyntheticShapes.Spec.tiny());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tiny;
    }

    public static DetectionDataset tinyTrain() {
        return DatasetLoader.load(tinySyntheticRoot(), "train");
    }

    public static DetectionDataset tinyVal() {
        return DatasetLoader.load(tinySyntheticRoot(), "val");
    }

    /** BCCD when the shared folder is present (tests using it skip otherwise). */
    public static Path bccd() {
        for (Path p :
                new Path[] {Path.of("../../shared/datasets/bccd/BCCD"), Path.of("../shared/datasets/bccd/BCCD")}) {
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }
}
