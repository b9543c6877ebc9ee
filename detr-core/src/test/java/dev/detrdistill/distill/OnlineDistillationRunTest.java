package dev.detrdistill.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.TestData;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DecoderType;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.train.Checkpoint;
import dev.detrdistill.train.LearningRateSchedule;
import dev.detrdistill.train.TrainOptions;
import dev.detrdistill.train.TrainingRun;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnlineDistillationRunTest {
    @TempDir
    Path tmp;

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void distillationRunLogsEveryTermAndResumesExactlyWithItsAdapters() throws Exception {
        DetectionDataset train = TestData.tinyTrain();
        TrainOptions o = new TrainOptions(
                6, 2, 5e-4f, 1e-4f, 1, LearningRateSchedule.Kind.COSINE, 0.1f, 0.9, 1.1, 0.5, 0, 0, 0, 1, 3);
        DetrConfig teacherConfig = DetrConfig.builder()
                .backboneWidths(List.of(8, 16, 16))
                .blocksPerStage(0)
                .hiddenDim(64)
                .numHeads(4)
                .ffnDim(64)
                .encoderLayers(1)
                .decoderLayers(3)
                .numQueries(12)
                .numClasses(3)
                .decoder(DecoderType.ANCHOR)
                .imageSize(32)
                .build();
        DetrConfig studentConfig = DetrConfig.builder()
                .backboneWidths(List.of(8, 16, 16))
                .blocksPerStage(0)
                .hiddenDim(32)
                .numHeads(4)
                .ffnDim(64)
                .encoderLayers(1)
                .decoderLayers(2)
                .numQueries(8)
                .numClasses(3)
                .decoder(DecoderType.PLAIN)
                .imageSize(32)
                .build();
        Path teacherDir = tmp.resolve("teacher");
        new TrainingRun(teacherConfig, train, null, o.withSteps(3), teacherDir, QUIET).run(false);
        Path teacherCkpt = teacherDir.resolve("checkpoint");

        TrainingRun.ExtraLossFactory distill = (student, manager) -> new Distiller(
                student,
                new OnlineTeacher(Checkpoint.loadModel(teacherCkpt, manager), new SetCriterion(LossWeights.defaults())),
                DistillationSettings.all(),
                manager);
        new TrainingRun(studentConfig, train, null, o, tmp.resolve("straight"), QUIET)
                .withExtraLoss(distill)
                .run(false);
        new TrainingRun(studentConfig, train, null, o, tmp.resolve("split"), QUIET)
                .withExtraLoss(distill)
                .stopAfter(3)
                .run(false);
        new TrainingRun(studentConfig, train, null, o, tmp.resolve("split"), QUIET)
                .withExtraLoss(distill)
                .run(true);

        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel a = Checkpoint.loadModel(tmp.resolve("straight/checkpoint"), m);
            DetrModel b = Checkpoint.loadModel(tmp.resolve("split/checkpoint"), m);
            for (int i = 0; i < a.getParameters().size(); i++) {
                Pair<String, Parameter> pa = a.getParameters().get(i);
                assertArrayEquals(
                        pa.getValue().getArray().toFloatArray(),
                        b.getParameters().get(i).getValue().getArray().toFloatArray(),
                        0f,
                        pa.getKey());
            }
        }
        assertTrue(Files.exists(tmp.resolve("split/checkpoint/" + Checkpoint.ADAPTERS)));
        List<String> lines = Files.readAllLines(tmp.resolve("straight/metrics.jsonl"));
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        for (String key : List.of("loss", "distill_ld", "distill_cl", "distill_fd", "distill_ad")) {
            assertTrue(first.has(key), "metrics line lacks " + key + ": " + first);
        }
    }
}
