package dev.detrdistill.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.detrdistill.cli.CommandLines;
import dev.detrdistill.model.DetectorConfigs;
import dev.detrdistill.train.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What a newcomer types: enum values in any case, Kafka's own option spelling, misspelt names, reused folders. */
class ForgivingCommandLineTest {
    @TempDir
    Path tmp;

    private static CommandLine.ParseResult parse(String... args) {
        return CommandLines.forgiving(DistillMain.commandLine()).parseArgs(args);
    }

    @Test
    void enumValuesAreCaseInsensitiveInEveryCommand() {
        assertEquals(
                "FP16",
                parse("demo", "--encoding", "fp16")
                        .subcommand()
                        .matchedOptionValue("--encoding", null)
                        .toString());
        assertEquals(
                "KL",
                parse("train", "--out", "x", "--class-distance", "kl")
                        .subcommand()
                        .matchedOptionValue("--class-distance", null)
                        .toString());
        assertEquals(
                "STEP",
                parse("train", "--out", "x", "--schedule", "step")
                        .subcommand()
                        .matchedOptionValue("--schedule", null)
                        .toString());
    }

    @Test
    void kafkasOwnSpellingOfBootstrapServersIsAccepted() {
        assertEquals(
                "h:9092",
                parse("produce", "--teacher", "t", "--topic", "x", "--bootstrap-server", "h:9092")
                        .subcommand()
                        .matchedOptionValue("--bootstrap-servers", null));
        assertEquals(
                "h:9092",
                parse(
                                "trainer",
                                "--topic",
                                "x",
                                "--student",
                                "a.yaml",
                                "--bootstrap-server",
                                "h:9092",
                                "--registry-url",
                                "http://r")
                        .subcommand()
                        .matchedOptionValue("--bootstrap-servers", null));
    }

    @Test
    void aMisspeltConfigFileListsTheFilesThatExist() throws Exception {
        Files.writeString(tmp.resolve("teacher-small.yaml"), "x: 1\n");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> DetectorConfigs.read(tmp.resolve("teacher-smal.yaml").toString()));
        assertTrue(
                e.getMessage().contains("teacher-small.yaml")
                        && e.getMessage().contains("presets: teacher, student, tiny"),
                e.getMessage());
        IllegalArgumentException s = assertThrows(
                IllegalArgumentException.class,
                () -> dev.detrdistill.trainer.StudentSpecs.load(tmp.resolve("studnt.yaml")));
        assertTrue(
                s.getMessage().contains("does not exist") && s.getMessage().contains("teacher-small.yaml"),
                s.getMessage());
    }

    @Test
    void aFolderHoldingARunIsRefusedUnlessContinuedOrOverwritten() throws Exception {
        Path run = tmp.resolve("run");
        RunFolder.claim(run, false, false, "--out", ""); // nothing there yet
        Files.createDirectories(run.resolve("checkpoint"));
        Files.writeString(run.resolve("checkpoint/model.params"), "w");
        Files.writeString(run.resolve("metrics.jsonl"), "{}\n");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> RunFolder.claim(run, false, false, "--out", "Add --resume to continue it, "));
        assertTrue(
                e.getMessage().contains("already holds a run")
                        && e.getMessage().contains("--resume")
                        && e.getMessage().contains("--overwrite"),
                e.getMessage());
        RunFolder.claim(run, true, false, "--out", "");
        assertTrue(Files.exists(run.resolve("metrics.jsonl")), "continuing keeps the run");
        RunFolder.claim(run, false, true, "--out", "");
        assertEquals(java.util.List.of(), RunFolder.runFiles(run), "--overwrite deletes the previous run's files");
    }

    @Test
    void trainRefusesAFolderThatHoldsARun() throws Exception {
        Path run = tmp.resolve("train-run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("metrics.jsonl"), "{}\n");
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cli = DistillMain.commandLine();
        cli.setErr(new java.io.PrintWriter(err));
        int code = dev.detrdistill.cli.CommandLines.execute(cli, new String[] {
            "train",
            "--config",
            "tiny",
            "--data",
            tmp.resolve("nodata").toString(),
            "--out",
            run.toString(),
            "--steps",
            "1"
        });
        assertEquals(1, code);
        assertTrue(err.toString().contains("already holds a run"), err.toString());
        assertTrue(Files.exists(run.resolve("metrics.jsonl")), "nothing was touched");
    }
}
