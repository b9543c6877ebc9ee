package dev.detrdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.detrdistill.TestData;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Two students trained at once in two threads of one JVM (two Flink subtasks in one TaskManager) end with the same
 * weights as each trained alone. DJL's gradient collector is JVM-wide; without the trainer's lock, the second thread's
 * step failed ("already collecting") or zeroed the first one's gradients.
 */
class ConcurrentTrainersTest {
    private static final int STEPS = 6;

    @Test
    void twoTrainersInParallelThreadsEndAsEachAlone() throws Exception {
        DetectionDataset data = TestData.tinyTrain();
        byte[] aloneA = train(data, 3);
        byte[] aloneB = train(data, 4);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 2; round++) {
                Future<byte[]> a = pool.submit(() -> train(data, 3));
                Future<byte[]> b = pool.submit(() -> train(data, 4));
                assertArrayEquals(aloneA, a.get(), "student A, round " + round);
                assertArrayEquals(aloneB, b.get(), "student B, round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Initial weights come from a fixed seed under a lock (the engine's generator is global as well). */
    private static byte[] train(DetectionDataset data, long seed) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            DetrModel model;
            synchronized (ConcurrentTrainersTest.class) {
                Engine.getInstance().setRandomSeed((int) seed);
                model = new DetrModel(DetrConfig.tiny(data.numClasses(), 64)).initializeParameters(manager);
            }
            TrainOptions options = new TrainOptions(
                    STEPS, 2, 5e-4f, 1e-4f, 1, LearningRateSchedule.Kind.COSINE, 0.1f, 1, 1, 0, 0, 0, 0, 1, seed);
            DetectorTrainer trainer =
                    new DetectorTrainer(model, new SetCriterion(LossWeights.defaults()), manager, options);
            BatchSampler sampler = new BatchSampler(data, new ImageCache(128), options, 64);
            List<Float> losses = new ArrayList<>();
            for (int step = 0; step < STEPS; step++) {
                losses.add(trainer.step(step, sampler.batch(step)).losses().get("loss"));
            }
            return Checkpoint.parameterBytes(model);
        }
    }
}
