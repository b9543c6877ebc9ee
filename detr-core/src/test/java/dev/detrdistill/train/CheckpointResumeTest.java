package dev.detrdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.TestData;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointResumeTest {
    @TempDir
    Path tmp;

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /** Bit for bit equal parameters, by name. */
    static void assertSameWeights(Map<String, float[]> a, Map<String, float[]> b, String what) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), 0f, what + "parameter " + k + " differs after resume");
        }
    }

    private static Map<String, float[]> weights(Path ckpt) throws Exception {
        return weights(ckpt, Checkpoint.PARAMS);
    }

    /** The parameters in {@code file} of a checkpoint: {@code model.params}, or {@code training.params}. */
    static Map<String, float[]> weights(Path ckpt, String file) throws Exception {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel model = Checkpoint.loadModel(ckpt, m);
            if (file.equals(Checkpoint.TRAINING_PARAMS)) {
                Checkpoint.loadTrainingParameters(ckpt, model, m);
            }
            for (Pair<String, Parameter> p : model.getParameters()) {
                out.put(p.getKey(), p.getValue().getArray().toFloatArray());
            }
        }
        return out;
    }

    @Test
    void resumedRunWithBoxDenoisingDrawsTheSameNoiseAsAnUninterruptedOne() throws Exception {
        DetectionDataset train = TestData.tinyTrain();
        DetrConfig config = DetrConfig.tiny(train.numClasses(), 64).withDecoder(dev.detrdistill.model.DecoderType.DAB);
        TrainOptions full = new TrainOptions(
                6, 2, 5e-4f, 1e-4f, 2, LearningRateSchedule.Kind.COSINE, 0.1f, 0.8, 1.2, 0.5, 0, 0, 0, 2, 5);
        TrainingRun.ExtraLossFactory denoising = (detector, manager) -> new DenoisingGroup(
                detector,
                new dev.detrdistill.loss.SetCriterion(dev.detrdistill.loss.LossWeights.defaults()),
                0.4f,
                1f,
                full.seed());
        new TrainingRun(config, train, null, full, tmp.resolve("straight"), QUIET)
                .withExtraLoss(denoising)
                .run(false);
        Path split = tmp.resolve("split");
        new TrainingRun(config, train, null, full, split, QUIET)
                .withExtraLoss(denoising)
                .stopAfter(3)
                .run(false);
        assertTrue(Files.isRegularFile(split.resolve("checkpoint").resolve(Checkpoint.EXTRA_STATE)));
        new TrainingRun(config, train, null, full, split, QUIET)
                .withExtraLoss(denoising)
                .run(true);

        Map<String, float[]> a = weights(tmp.resolve("straight/checkpoint"));
        Map<String, float[]> b = weights(split.resolve("checkpoint"));
        assertSameWeights(a, b, "");
    }

    @Test
    void resumedRunEndsWithTheSameWeightsAsAnUninterruptedOne() throws Exception {
        DetectionDataset train = TestData.tinyTrain();
        DetrConfig config = DetrConfig.tiny(train.numClasses(), 64);
        TrainOptions full = new TrainOptions(
                8, 2, 5e-4f, 1e-4f, 2, LearningRateSchedule.Kind.COSINE, 0.1f, 0.8, 1.2, 0.5, 0, 0, 0, 2, 5);
        new TrainingRun(config, train, null, full, tmp.resolve("straight"), QUIET).run(false);

        // Same run, stopped after 4 steps (a checkpoint), then resumed to 8.
        Path split = tmp.resolve("split");
        new TrainingRun(config, train, null, full, split, QUIET).stopAfter(4).run(false);
        assertEquals(4, Checkpoint.readMeta(split.resolve("checkpoint")).step());
        new TrainingRun(config, train, null, full, split, QUIET).run(true);

        Map<String, float[]> a = weights(tmp.resolve("straight/checkpoint"));
        Map<String, float[]> b = weights(split.resolve("checkpoint"));
        assertEquals(a.keySet(), b.keySet());
        assertSameWeights(a, b, "");
        // The metrics log continued rather than restarting.
        List<String> lines = Files.readAllLines(split.resolve("metrics.jsonl"));
        JsonNode last = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        assertEquals(8, last.get("step").asInt());
        assertTrue(lines.size() >= 4);
    }
}
