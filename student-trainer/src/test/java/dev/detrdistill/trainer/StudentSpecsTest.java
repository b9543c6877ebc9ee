package dev.detrdistill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudentSpecsTest {
    @TempDir
    Path tmp;

    private Path write(String name, String yaml) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void theShippedExamplesLoad() {
        List<StudentSpec> specs = StudentSpecs.load(
                List.of(Path.of("../deploy/students/baseline.yaml"), Path.of("../deploy/students/distilled.yaml")));
        assertEquals("baseline", specs.get(0).name());
        assertTrue(!specs.get(0).distills() && specs.get(1).distills());
        assertEquals(8, specs.get(1).train().batchSize());
        assertEquals(1e-3f, specs.get(1).train().lr(), 1e-9f);
    }

    @Test
    void defaultsAndJsonRoundTrip() throws Exception {
        StudentSpec s = StudentSpecs.load(write("a.yaml", "name: a\n"));
        assertEquals(40, s.model().numQueries(), "the student preset by default");
        assertEquals(0, s.train().steps());
        assertNull(s.eval().data());
        assertEquals("runs/students/a", s.output());
        assertEquals(s, StudentSpecs.fromJson(StudentSpecs.toJson(s)));
    }

    @Test
    void mistakesNameTheFileAndKey() throws Exception {
        Path typo = write("typo.yaml", "name: a\ntrain:\n  lrr: 0.1\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StudentSpecs.load(typo));
        assertTrue(e.getMessage().contains("typo.yaml") && e.getMessage().contains("'lrr'"), e.getMessage());

        Path range = write("range.yaml", "name: a\ntrain:\n  lr: 5\n");
        e = assertThrows(IllegalArgumentException.class, () -> StudentSpecs.load(range));
        assertTrue(e.getMessage().contains("lr=5"), e.getMessage());

        Path weight = write("w.yaml", "name: a\ndistillation:\n  feature: -1\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StudentSpecs.load(weight))
                .getMessage()
                .contains("w.yaml"));

        Path nan = write("n.yaml", "name: a\ntrain:\n  batchSize: many\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StudentSpecs.load(nan))
                .getMessage()
                .contains("batchSize"));

        Path fraction = write("f.yaml", "name: a\ntrain:\n  batchSize: 8.5\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StudentSpecs.load(fraction))
                .getMessage()
                .contains("whole number"));
        assertEquals(
                9_007_199_254_740_993L,
                StudentSpecs.load(write("s.yaml", "name: a\ntrain:\n  seed: 9007199254740993\n"))
                        .train()
                        .seed(),
                "seeds are read exactly, not through a float");

        Path a = write("one.yaml", "name: same\n");
        Path b = write("two.yaml", "name: same\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StudentSpecs.load(List.of(a, b)))
                .getMessage()
                .contains("unique"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class, () -> StudentSpecs.load(write("x.yaml", "name: bad name!\n")))
                .getMessage()
                .contains("'name'"));
    }
}
