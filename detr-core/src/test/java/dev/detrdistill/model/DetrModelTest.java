package dev.detrdistill.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DetrModelTest {

    @ParameterizedTest
    @EnumSource(DecoderType.class)
    void forwardExposesEveryStageFeaturesAndPrior(DecoderType type) {
        DetrConfig c = DetrConfig.builder()
                .backboneWidths(List.of(8, 16, 16))
                .blocksPerStage(1)
                .hiddenDim(32)
                .numHeads(4)
                .ffnDim(64)
                .encoderLayers(2)
                .decoderLayers(3)
                .numQueries(7)
                .numClasses(5)
                .decoder(type)
                .imageSize(64)
                .build();
        Engine.getInstance().setRandomSeed(0);
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel model = new DetrModel(c).initializeParameters(m);
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
            DetrOutput out = model.detect(new ParameterStore(m, false), x, false);
            assertEquals(3, out.queries().numStages());
            for (int k = 0; k < 3; k++) {
                assertEquals(new Shape(2, 7, 5), out.queries().logits().get(k).getShape());
                assertEquals(new Shape(2, 7, 4), out.queries().boxes().get(k).getShape());
                assertEquals(
                        new Shape(2, 7, 32), out.queries().embeddings().get(k).getShape());
                float[] b = out.queries().boxes().get(k).toFloatArray();
                for (float v : b) {
                    assertTrue(v >= 0 && v <= 1, "boxes are normalised");
                }
            }
            assertEquals(new Shape(2, 32, 8, 8), out.features().get(0).getShape());
            assertEquals(new Shape(7, c.queryPriorWidth()), out.queryPrior().getShape());
        }
    }

    @Test
    void extraQueryGroupDoesNotChangeTheModelsOwnPredictions() {
        DetrConfig c = DetrConfig.builder()
                .backboneWidths(List.of(8, 16))
                .blocksPerStage(0)
                .hiddenDim(32)
                .numHeads(4)
                .ffnDim(64)
                .encoderLayers(1)
                .decoderLayers(2)
                .numQueries(6)
                .numClasses(3)
                .decoder(DecoderType.PLAIN)
                .imageSize(32)
                .build();
        Engine.getInstance().setRandomSeed(1);
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel model = new DetrModel(c).initializeParameters(m);
            NDArray x = m.randomNormal(new Shape(2, 3, 32, 32));
            ParameterStore ps = new ParameterStore(m, false);
            DetrOutput alone = model.detect(ps, x, false);
            NDArray extra = m.randomNormal(new Shape(2, 4, 32));
            DetrOutput both = model.detect(ps, x, extra, false);
            float[] a = alone.queries().lastLogits().toFloatArray();
            float[] b = both.queries().lastLogits().toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-4f, "group-masked self-attention keeps the groups apart");
            }
            assertEquals(
                    new Shape(2, 4, 3),
                    both.extraGroup().orElseThrow().lastLogits().getShape());
        }
    }

    @Test
    void outOfRangeConfigNamesTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DetrConfig.builder()
                .backboneWidths(List.of(8, 16))
                .blocksPerStage(0)
                .hiddenDim(30)
                .numHeads(4)
                .ffnDim(64)
                .encoderLayers(1)
                .decoderLayers(2)
                .numQueries(6)
                .numClasses(3)
                .decoder(DecoderType.PLAIN)
                .imageSize(32)
                .build()
                .validate());
        assertTrue(e.getMessage().contains("numHeads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DetrConfig.builder()
                .backboneWidths(List.of(8, 16))
                .blocksPerStage(0)
                .hiddenDim(32)
                .numHeads(4)
                .ffnDim(64)
                .encoderLayers(1)
                .decoderLayers(0)
                .numQueries(6)
                .numClasses(3)
                .decoder(DecoderType.PLAIN)
                .imageSize(32)
                .build()
                .validate());
        assertTrue(e.getMessage().contains("decoderLayers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DetrConfig.builder()
                .backboneWidths(List.of(8, 16))
                .blocksPerStage(0)
                .hiddenDim(32)
                .numHeads(4)
                .ffnDim(64)
                .encoderLayers(1)
                .decoderLayers(2)
                .numQueries(6)
                .numClasses(3)
                .decoder(DecoderType.PLAIN)
                .imageSize(30)
                .build()
                .validate());
        assertTrue(e.getMessage().contains("imageSize"), e.getMessage());
    }

    @Test
    void presetsLoadAndTakeTheClassCountFromData() {
        DetrConfig t = DetectorConfigs.load("teacher", 3);
        DetrConfig s = DetectorConfigs.load("student", 3);
        assertEquals(3, t.numClasses());
        assertTrue(s.decoderLayers() < t.decoderLayers()
                && s.numQueries() < t.numQueries()
                && s.hiddenDim() < t.hiddenDim());
        for (String preset : DetectorConfigs.PRESETS) {
            assertEquals(3, DetectorConfigs.load(preset, 3).numClasses(), preset);
        }
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> DetectorConfigs.load("nope", 3));
        assertTrue(e.getMessage().contains("teacher-pretrained-s8"), e.getMessage());
    }
}
