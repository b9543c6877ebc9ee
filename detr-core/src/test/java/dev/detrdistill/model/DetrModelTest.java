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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class DetrModelTest {

    @ParameterizedTest
    @EnumSource(DecoderType.class)
    void forwardExposesEveryStageFeaturesAndPrior(DecoderType type) {
        DetrConfig c = new DetrConfig(List.of(8, 16, 16), 1, 32, 4, 64, 2, 3, 7, 5, type, 64);
        Engine.getInstance().setRandomSeed(0);
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel model = new DetrModel(c).initializeParameters(m);
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
            DetrOutput out = model.detect(new ParameterStore(m, false), x, false);
            assertEquals(3, out.queries().numStages());
            for (int k = 0; k < 3; k++) {
                assertEquals(new Shape(2, 7, 5), out.queries().logits().get(k).getShape());
                assertEquals(new Shape(2, 7, 4), out.queries().boxes().get(k).getShape());
                assertEquals(new Shape(2, 7, 32), out.queries().embeddings().get(k).getShape());
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
        DetrConfig c = new DetrConfig(List.of(8, 16), 0, 32, 4, 64, 1, 2, 6, 3, DecoderType.PLAIN, 32);
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
            assertEquals(new Shape(2, 4, 3), both.extraGroup().orElseThrow().lastLogits().getShape());
        }
    }

    @Test
    void outOfRangeConfigNamesTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DetrConfig(List.of(8, 16), 0, 30, 4, 64, 1, 2, 6, 3, DecoderType.PLAIN, 32).validate());
        assertTrue(e.getMessage().contains("numHeads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DetrConfig(List.of(8, 16), 0, 32, 4, 64, 1, 0, 6, 3, DecoderType.PLAIN, 32).validate());
        assertTrue(e.getMessage().contains("decoderLayers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DetrConfig(List.of(8, 16), 0, 32, 4, 64, 1, 2, 6, 3, DecoderType.PLAIN, 30).validate());
        assertTrue(e.getMessage().contains("imageSize"), e.getMessage());
    }

    @Test
    void presetsLoadAndTakeTheClassCountFromData() {
        DetrConfig t = DetectorConfigs.load("teacher", 3);
        DetrConfig s = DetectorConfigs.load("student", 3);
        assertEquals(3, t.numClasses());
        assertTrue(s.decoderLayers() < t.decoderLayers() && s.numQueries() < t.numQueries() && s.hiddenDim() < t.hiddenDim());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DetectorConfigs.load("nope", 3));
        assertTrue(e.getMessage().contains("preset"), e.getMessage());
    }
}
