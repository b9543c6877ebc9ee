package dev.detrdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.Parameter.Type;
import ai.djl.util.PairList;
import dev.detrdistill.TestData;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.model.DetrConfig;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightAverageTest {
    @TempDir
    Path tmp;

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private static Parameter parameter(NDManager m, String name, float[] values, boolean trainable) {
        Parameter p = Parameter.builder()
                .setName(name)
                .setType(Type.WEIGHT)
                .optRequiresGrad(trainable)
                .optArray(m.create(values, new Shape(values.length)))
                .build();
        p.getArray().setRequiresGradient(trainable);
        return p;
    }

    @Test
    void averagesWithTheRampedDecayAndSkipsFrozenWeights() {
        try (NDManager m = NDManager.newBaseManager();
                WeightAverage average = new WeightAverage(0.5f, m)) {
            Parameter w = parameter(m, "w", new float[] {4f, -2f}, true);
            Parameter frozen = parameter(m, "frozen", new float[] {7f}, false);
            PairList<String, Parameter> params = new PairList<>();
            params.add("w", w);
            params.add("frozen", frozen);

            average.update(params); // first update copies: avg = (4, -2)
            assertEquals(2f / 11f, average.currentDecay(), 1e-7f, "ramped: min(0.5, (1 + 1) / (10 + 1))");
            setValues(w, 0f, 2f);
            // second update: d = min(0.5, (1+1)/(10+1)) = 2/11
            float d = 2f / 11f;
            average.update(params);
            float[] expected = {d * 4f + (1 - d) * 0f, d * -2f + (1 - d) * 2f};

            NDArray before = w.getArray();
            average.swapIn(params);
            assertSame(before, w.getArray(), "the parameter keeps its array (the optimizer holds it)");
            assertArrayEquals(expected, w.getArray().toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {7f}, frozen.getArray().toFloatArray());
            assertThrows(IllegalStateException.class, () -> average.update(params));
            average.restore(params);
            assertArrayEquals(new float[] {0f, 2f}, w.getArray().toFloatArray());
            assertEquals(2, average.updates());
        }
    }

    private static void setValues(Parameter p, float... values) {
        try (NDManager m = NDManager.newBaseManager()) {
            p.getArray().set(new ai.djl.ndarray.index.NDIndex("..."), m.create(values));
        }
    }

    @Test
    void refusesADecayOutsideTheOpenUnitInterval() {
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WeightAverage(1f, m));
            assertTrue(e.getMessage().contains("1.0"), e.getMessage());
        }
    }

    @Test
    void checkpointHoldsTheAverageAndAResumedRunMatchesAnUninterruptedOne() throws Exception {
        DetectionDataset train = TestData.tinyTrain();
        DetrConfig config = DetrConfig.tiny(train.numClasses(), 64);
        TrainOptions options = new TrainOptions(
                6, 2, 5e-4f, 1e-4f, 2, LearningRateSchedule.Kind.COSINE, 0.1f, 0.8, 1.2, 0.5, 0, 0, 0, 2, 5);
        Path straight = tmp.resolve("straight");
        new TrainingRun(config, train, null, options, straight, QUIET)
                .withWeightAverage(0.99f)
                .run(false);
        Path ckpt = straight.resolve("checkpoint");
        assertTrue(Files.isRegularFile(ckpt.resolve(Checkpoint.TRAINING_PARAMS)));
        Map<String, float[]> averaged = CheckpointResumeTest.weights(ckpt, Checkpoint.PARAMS);
        Map<String, float[]> training = CheckpointResumeTest.weights(ckpt, Checkpoint.TRAINING_PARAMS);
        long differing = averaged.keySet().stream()
                .filter(k -> !java.util.Arrays.equals(averaged.get(k), training.get(k)))
                .count();
        assertTrue(differing > averaged.size() / 2, "the average differs from the last weights: " + differing);

        Path split = tmp.resolve("split");
        new TrainingRun(config, train, null, options, split, QUIET)
                .withWeightAverage(0.99f)
                .stopAfter(3)
                .run(false);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new TrainingRun(config, train, null, options, split, QUIET).run(true));
        assertTrue(e.getMessage().contains("with a weight average"), e.getMessage());
        new TrainingRun(config, train, null, options, split, QUIET)
                .withWeightAverage(0.99f)
                .run(true);
        for (String file : new String[] {Checkpoint.PARAMS, Checkpoint.TRAINING_PARAMS}) {
            CheckpointResumeTest.assertSameWeights(
                    CheckpointResumeTest.weights(ckpt, file),
                    CheckpointResumeTest.weights(split.resolve("checkpoint"), file),
                    file + ": ");
        }
    }
}
