package dev.detrdistill.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.detrdistill.TestData;
import dev.detrdistill.data.Batches;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.DetectionTarget;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DecoderType;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Box denoising: queries are the ground truth jittered within the noise scale, reconstructed without matching. */
class DenoisingGroupTest {
    @Test
    void queriesAreJitteredGroundTruthAndTheirLossJoinsTheTotal() {
        DetectionDataset data = TestData.tinyTrain();
        Engine.getInstance().setRandomSeed(4);
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel model = new DetrModel(DetrConfig.tiny(data.numClasses(), 64)).initializeParameters(m);
            DenoisingGroup group = new DenoisingGroup(model, new SetCriterion(LossWeights.defaults()), 0.4f, 1f, 5L);
            TrainOptions options = new TrainOptions(
                    2, 2, 1e-3f, 0f, 0, LearningRateSchedule.Kind.COSINE, 0.1f, 1, 1, 0, 0, 0, 0, 1, 4L);
            BatchSampler sampler = new BatchSampler(data, new ImageCache(16), options, 64);
            List<ImageView> views = sampler.batch(0);
            NDArray images = Batches.images(m, views);
            float[] q = ai.djl.nn.Activation.sigmoid(group.extraQueries(new ParameterStore(m, false), images, views))
                    .toFloatArray();
            List<DetectionTarget> targets = Batches.targets(views);
            int width = targets.stream().mapToInt(DetectionTarget::size).max().orElseThrow();
            for (int i = 0; i < targets.size(); i++) {
                DetectionTarget t = targets.get(i);
                for (int k = 0; k < t.size(); k++) {
                    int o = (i * width + k) * 4;
                    float w = t.boxes()[4 * k + 2];
                    assertTrue(Math.abs(q[o] - t.boxes()[4 * k]) <= 0.4f * w / 2 + 1e-4f, "centre x within the noise");
                    assertTrue(Math.abs(q[o + 2] - w) <= 0.4f * w + 1e-4f, "width within the noise");
                }
            }
            DetectorTrainer trainer = new DetectorTrainer(model, new SetCriterion(LossWeights.defaults()), m, options)
                    .withExtraLoss(group);
            Map<String, Float> losses = trainer.step(0, views).losses();
            float dn = losses.get("loss_denoising");
            assertTrue(Float.isFinite(dn) && dn > 0, "denoising loss " + dn);
            assertEquals(
                    losses.get("loss"),
                    losses.get("loss_focal") + losses.get("loss_l1") + losses.get("loss_giou") + dn,
                    1e-3f * losses.get("loss"));
        }
    }

    @Test
    void thePlainDecoderHasNoBoxesToDenoise() {
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel plain = new DetrModel(DetrConfig.tiny(3, 64).withDecoder(DecoderType.PLAIN));
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> new DenoisingGroup(plain, new SetCriterion(LossWeights.defaults()), 0.4f, 1f, 1L));
            assertTrue(e.getMessage().contains("anchor decoder"), e.getMessage());
        }
    }
}
