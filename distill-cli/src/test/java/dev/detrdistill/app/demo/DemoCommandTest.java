package dev.detrdistill.app.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.train.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The demo end to end at toy scale: embedded broker, registry and MiniCluster; every report section is there. */
class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void runsEverythingAndWritesTheReport() throws Exception {
        Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(8, 3, 48, 1, 3, 5));
        Path out = tmp.resolve("demo");
        String[] args = {
            "--data",
            data.toString(),
            "--out",
            out.toString(),
            "--image-size",
            "32",
            "--teacher",
            "tiny",
            "--teacher-steps",
            "3",
            "--student",
            "tiny",
            "--epochs",
            "1",
            "--views",
            "1"
        };
        assertEquals(0, new CommandLine(new DemoCommand()).execute(args));
        String html = Files.readString(out.resolve("report.html"));
        for (String section : new String[] {
            "Validation AP",
            "teacher",
            "baseline",
            "distilled",
            "<svg",
            "distill_fd",
            "AP against step",
            "AP per class",
            "Record size by field",
            "stage.embeddings",
            "records/s",
            "data:image/png"
        }) {
            assertTrue(html.contains(section), "report lacks " + section);
        }
        assertEquals(
                1,
                Checkpoint.readMeta(out.resolve("students/distilled/checkpoint"))
                        .step());
        long teacherWritten = Files.getLastModifiedTime(out.resolve("teacher/checkpoint/model.params"))
                .toMillis();
        assertEquals(
                1, new CommandLine(new DemoCommand()).execute(args), "a second run into the same --out is refused");
        String[] again = java.util.Arrays.copyOf(args, args.length + 1);
        again[args.length] = "--overwrite";
        assertEquals(
                0,
                new CommandLine(new DemoCommand()).execute(again),
                "with --overwrite it trains the students again and reuses the teacher");
        assertEquals(
                teacherWritten,
                Files.getLastModifiedTime(out.resolve("teacher/checkpoint/model.params"))
                        .toMillis());
    }
}
