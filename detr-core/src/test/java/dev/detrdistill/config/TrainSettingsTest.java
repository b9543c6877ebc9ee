package dev.detrdistill.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.detrdistill.experiment.ExperimentFile;
import dev.detrdistill.train.LearningRateSchedule;
import dev.detrdistill.train.TrainOptions;
import dev.detrdistill.train.TrainSettings;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

class TrainSettingsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Command(name = "t")
    static final class Probe implements Runnable {
        @Override
        public void run() {}
    }

    @Test
    void oneDefinitionFeedsDefaultsOptionsFilesAndOverrides() throws Exception {
        TrainOptions d = TrainOptions.defaults();
        assertEquals(2000, d.steps());
        assertEquals(2e-4f, d.lr());
        assertEquals(0.8, d.minScale());
        // The students' profile changes only the documented defaults.
        TrainOptions s = TrainSettings.options(TrainSettings.STUDENT.defaults());
        assertEquals(1e-3f, s.lr());
        assertEquals(50, s.warmupSteps());
        assertEquals(0, s.steps());
        assertEquals(d.batchSize(), s.batchSize());
        assertEquals(d.weightDecay(), s.weightDecay());

        // File, then options given on the command line, then --set.
        ExperimentFile file = ExperimentFile.parse(
                YAML.readTree("train: {lr: 5e-4, batchSize: 4, scaleJitter: [0.9, 1.1], schedule: step}"),
                "exp.yaml",
                null,
                TrainSettings.TRAIN);
        CommandLine cli = new CommandLine(new Probe());
        TrainSettings.TRAIN.addOptions(cli.getCommandSpec());
        cli.parseArgs("--batch", "16");
        CommandSpec spec = cli.getCommandSpec();
        Settings merged =
                TrainSettings.TRAIN.overrides(List.of("seed=7"), TrainSettings.TRAIN.read(spec, file.train()), "--set");
        TrainOptions o = TrainSettings.options(merged);
        assertEquals(5e-4f, o.lr(), "from the file");
        assertEquals(16, o.batchSize(), "the command line over the file");
        assertEquals(7, o.seed(), "--set over both");
        assertEquals(LearningRateSchedule.Kind.STEP, o.schedule());
        assertArrayEquals(new double[] {0.9, 1.1}, new double[] {o.minScale(), o.maxScale()});
        assertEquals("2e-4", spec.findOption("--lr").defaultValue(), "help shows the one default");
    }

    @Test
    void badKeysAndValuesAreNamedWithWhereTheyCameFrom() throws Exception {
        IllegalArgumentException unknown = assertThrows(
                IllegalArgumentException.class,
                () -> ExperimentFile.parse(
                        YAML.readTree("train: {learningRate: 1e-3}"), "exp.yaml", null, TrainSettings.TRAIN));
        assertTrue(
                unknown.getMessage().contains("exp.yaml train")
                        && unknown.getMessage().contains("learningRate")
                        && unknown.getMessage().contains("lr"),
                unknown.getMessage());
        IllegalArgumentException range = assertThrows(
                IllegalArgumentException.class,
                () -> TrainSettings.TRAIN.overrides(List.of("lr=2"), TrainSettings.TRAIN.defaults(), "--set"));
        assertTrue(range.getMessage().contains("--set: lr=2 is out of range; expected in (0, 1)"), range.getMessage());
        IllegalArgumentException type = assertThrows(
                IllegalArgumentException.class,
                () -> TrainSettings.TRAIN.overrides(List.of("batchSize=8.5"), TrainSettings.TRAIN.defaults(), "--set"));
        assertTrue(type.getMessage().contains("batchSize=8.5 is not a whole number"), type.getMessage());
        IllegalArgumentException jitter = assertThrows(
                IllegalArgumentException.class,
                () -> TrainSettings.TRAIN.overrides(
                        List.of("scaleJitter=1.2,0.8"), TrainSettings.TRAIN.defaults(), "--set"));
        assertTrue(jitter.getMessage().contains("min <= max"), jitter.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> TrainSettings.TRAIN.overrides(List.of("lr"), TrainSettings.TRAIN.defaults(), "--set"));
    }
}
