package dev.detrdistill.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.detrdistill.TestData;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DecoderType;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Guards against DJL's scalar-operand bug (a Java number operand freed before backward yields garbage or
 * NaN gradients): several seeds, some dozens of steps each, every gradient finite, loss falling.
 */
class FiniteGradientTest {

    @org.junit.jupiter.api.Test
    void gradientsAreClearedAfterEveryStepSoTheyNeverAccumulate() {
        DetectionDataset data = TestData.tinyTrain();
        Engine.getInstance().setRandomSeed(9);
        try (NDManager manager = NDManager.newBaseManager()) {
            DetrModel model = new DetrModel(DetrConfig.tiny(data.numClasses(), 64)).initializeParameters(manager);
            TrainOptions options = new TrainOptions(
                    3, 2, 1e-4f, 1e-4f, 1, LearningRateSchedule.Kind.COSINE, 0f, 1, 1, 0, 0, 0, 0, 1, 9);
            DetectorTrainer trainer =
                    new DetectorTrainer(model, new SetCriterion(LossWeights.defaults()), manager, options);
            BatchSampler sampler = new BatchSampler(data, new ImageCache(128), options, 64);
            for (int step = 0; step < 2; step++) {
                trainer.step(step, sampler.batch(step));
                for (Pair<String, Parameter> p : model.getParameters()) {
                    NDArray w = p.getValue().getArray();
                    if (w.hasGradient()) {
                        assertTrue(
                                w.getGradient().abs().sum().getFloat() == 0f,
                                "gradient of " + p.getKey() + " left over after step " + step);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DecoderType.class)
    void everyGradientStaysFiniteOverSeveralSeeds(DecoderType decoder) {
        DetectionDataset data = TestData.tinyTrain();
        DetrConfig config = DetrConfig.tiny(data.numClasses(), 64).withDecoder(decoder);
        for (long seed = 1; seed <= 3; seed++) {
            Engine.getInstance().setRandomSeed((int) seed);
            try (NDManager manager = NDManager.newBaseManager()) {
                DetrModel model = new DetrModel(config).initializeParameters(manager);
                TrainOptions options = new TrainOptions(
                        40,
                        4,
                        5e-4f,
                        1e-4f,
                        5,
                        LearningRateSchedule.Kind.COSINE,
                        0.1f,
                        0.8,
                        1.2,
                        0.5,
                        0,
                        0,
                        0,
                        1,
                        seed);
                DetectorTrainer trainer =
                        new DetectorTrainer(model, new SetCriterion(LossWeights.defaults()), manager, options);
                BatchSampler sampler = new BatchSampler(data, new ImageCache(128), options, 64);
                double first = 0;
                double last = 0;
                for (int step = 0; step < options.steps(); step++) {
                    DetectorTrainer.StepResult r = trainer.step(step, sampler.batch(step));
                    assertTrue(
                            Double.isFinite(r.gradNorm()),
                            "seed " + seed + " step " + step + " grad norm " + r.gradNorm());
                    double loss = r.losses().get("loss");
                    if (step < 5) {
                        first += loss / 5;
                    }
                    if (step >= options.steps() - 5) {
                        last += loss / 5;
                    }
                }
                for (Pair<String, Parameter> p : model.getParameters()) {
                    NDArray w = p.getValue().getArray();
                    assertTrue(
                            Float.isFinite(w.sum().getFloat()),
                            "parameter " + p.getKey() + " not finite, seed " + seed);
                }
                assertTrue(last < first, decoder + " seed " + seed + ": loss did not fall: " + first + " -> " + last);
            }
        }
    }
}
