package dev.detrdistill.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.detrdistill.TestData;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hybrid matching: the auxiliary group is matched with each box repeated k times and trained with the model. */
class OneToManyGroupTest {
    @Test
    void theGroupAddsALossOverKTimesTheBoxesAndTrainsItsOwnPrior() {
        DetectionDataset data = TestData.tinyTrain();
        Engine.getInstance().setRandomSeed(3);
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel model = new DetrModel(DetrConfig.tiny(data.numClasses(), 64)).initializeParameters(m);
            OneToManyGroup group = new OneToManyGroup(model, new SetCriterion(LossWeights.defaults()), 30, 3, 1f, m);
            TrainOptions options = new TrainOptions(
                    3, 2, 1e-3f, 0f, 0, LearningRateSchedule.Kind.COSINE, 0.1f, 1, 1, 0, 0, 0, 0, 1, 3L);
            DetectorTrainer trainer = new DetectorTrainer(model, new SetCriterion(LossWeights.defaults()), m, options)
                    .withExtraLoss(group);
            BatchSampler sampler = new BatchSampler(data, new ImageCache(16), options, 64);
            float[] priorBefore = group.adapters()
                    .getParameters()
                    .get(0)
                    .getValue()
                    .getArray()
                    .toFloatArray();
            Map<String, Float> losses = trainer.step(0, sampler.batch(0)).losses();
            assertTrue(losses.containsKey("loss_one_to_many"), losses.toString());
            float o2m = losses.get("loss_one_to_many");
            assertTrue(Float.isFinite(o2m) && o2m > 0, "one-to-many loss " + o2m);
            assertEquals(
                    losses.get("loss"),
                    losses.get("loss_focal") + losses.get("loss_l1") + losses.get("loss_giou") + o2m,
                    1e-3f * losses.get("loss"),
                    "the total includes the group's loss");
            float[] priorAfter = group.adapters()
                    .getParameters()
                    .get(0)
                    .getValue()
                    .getArray()
                    .toFloatArray();
            double moved = 0;
            for (int i = 0; i < priorBefore.length; i++) {
                moved = Math.max(moved, Math.abs(priorAfter[i] - priorBefore[i]));
            }
            assertTrue(moved > 0, "the group's own prior is trained");
        }
    }
}
