package dev.detrdistill.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.train.Checkpoint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TrainCommandTest {
    @TempDir
    Path tmp;

    private static int run(StringWriter err, String... args) {
        CommandLine cli = DistillMain.commandLine();
        cli.setErr(new PrintWriter(err));
        return dev.detrdistill.cli.CommandLines.execute(cli, args);
    }

    private String[] train(Path data, Path out, String ema) {
        return new String[] {
            "train",
            "--config",
            "tiny",
            "--data",
            data.toString(),
            "--out",
            out.toString(),
            "--steps",
            "3",
            "--batch",
            "2",
            "--eval-every",
            "0",
            "--ema",
            ema
        };
    }

    @Test
    void emaKeepsTheAverageAsTheModelAndTheOptimizersWeightsBesideIt() throws Exception {
        Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(4, 2, 64, 1, 3, 5));
        StringWriter err = new StringWriter();
        Path out = tmp.resolve("run");
        assertEquals(0, run(err, train(data, out, "0.9")), err.toString());
        Path ckpt = out.resolve("checkpoint");
        assertTrue(Files.isRegularFile(ckpt.resolve(Checkpoint.PARAMS)));
        assertTrue(Files.isRegularFile(ckpt.resolve(Checkpoint.TRAINING_PARAMS)));
    }

    @Test
    void refusesADecayOutsideTheOpenUnitIntervalByName() throws Exception {
        Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(4, 2, 64, 1, 3, 5));
        StringWriter err = new StringWriter();
        assertTrue(run(err, train(data, tmp.resolve("bad"), "1.5")) != 0);
        assertTrue(err.toString().contains("weight-average decay 1.5 is outside (0, 1)"), err.toString());
    }
}
