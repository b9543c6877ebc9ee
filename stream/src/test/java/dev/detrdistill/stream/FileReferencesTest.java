package dev.detrdistill.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class FileReferencesTest {
    @TempDir
    Path root;

    private String before;

    @BeforeEach
    void confineToTheTempDir() {
        before = System.getProperty("detrdistill.references.roots");
        System.setProperty("detrdistill.references.roots", root.toString());
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty("detrdistill.references.roots");
        } else {
            System.setProperty("detrdistill.references.roots", before);
        }
    }

    @Test
    void readsRegularFilesUnderTheRootsOfTheDeclaredLength() throws Exception {
        Path f = Files.write(root.resolve("a.bin"), new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, FileReferences.read(f.toUri().toString(), 3, "test"));
        assertArrayEquals(new byte[] {1, 2, 3}, FileReferences.read(f.toUri().toString(), -1, "test"));
        var shorter = assertThrows(
                FileReferences.RefusedReference.class,
                () -> FileReferences.read(f.toUri().toString(), 4, "test"));
        assertEquals(FileReferences.MISSING, shorter.reason());
        var gone = assertThrows(
                FileReferences.RefusedReference.class,
                () -> FileReferences.read(root.resolve("gone.bin").toUri().toString(), 3, "claim check"));
        assertEquals(FileReferences.MISSING, gone.reason());
        assertTrue(gone.getMessage().contains("does not exist"), gone.getMessage());
    }

    @Test
    void refusesOtherSchemesFilesOutsideTheRootsAndLinksOut() throws Exception {
        for (String uri : new String[] {
            "http://example.com/a.png",
            "jar:file:/tmp/x.jar!/a",
            "s3://b/k",
            "file:/etc/hostname",
            "relative/path",
            "not a uri ^^"
        }) {
            var e = assertThrows(FileReferences.RefusedReference.class, () -> FileReferences.read(uri, -1, "image"));
            assertTrue(FileReferences.REFUSED.equals(e.reason()) || FileReferences.MISSING.equals(e.reason()), uri);
            assertFalse(
                    e.getMessage().matches(".*[0-9a-f]{64}.*"),
                    "no hash of a file the record named: " + e.getMessage());
        }
        assumeTrue(Files.exists(Path.of("/etc/hostname")));
        Path link = Files.createSymbolicLink(root.resolve("link"), Path.of("/etc/hostname"));
        var out = assertThrows(
                FileReferences.RefusedReference.class,
                () -> FileReferences.read(link.toUri().toString(), -1, "image"));
        assertEquals(FileReferences.REFUSED, out.reason());
        assertTrue(out.getMessage().contains("outside the readable roots"), out.getMessage());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aFifoOrADirectoryIsRefusedWithoutBeingOpened() throws Exception {
        Path dir = Files.createDirectory(root.resolve("dir"));
        assertEquals(
                FileReferences.REFUSED,
                assertThrows(
                                FileReferences.RefusedReference.class,
                                () -> FileReferences.read(dir.toUri().toString(), -1, "x"))
                        .reason());
        Path fifo = root.resolve("pipe");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mk.waitFor() == 0, "mkfifo available");
        var e = assertThrows(
                FileReferences.RefusedReference.class,
                () -> FileReferences.read(fifo.toUri().toString(), -1, "x"));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }
}
