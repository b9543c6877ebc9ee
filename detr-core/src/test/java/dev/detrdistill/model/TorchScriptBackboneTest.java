package dev.detrdistill.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A TorchScript trunk (tools/torchscript-backbone) as a frozen backbone: PyTorch's own output, then the detector. */
class TorchScriptBackboneTest {
    private static final Path TRUNK = Path.of("src/test/resources/torchscript/tiny-trunk.pt");

    private static DetrConfig config(boolean freeze) {
        return DetrConfig.builder()
                .pretrained(new PretrainedBackbone(TRUNK.toString(), List.of(8), freeze, null, null, null))
                .hiddenDim(32)
                .numHeads(4)
                .ffnDim(64)
                .encoderLayers(1)
                .decoderLayers(2)
                .numQueries(6)
                .numClasses(2)
                .imageSize(64)
                .build();
    }

    @Test
    void theTrunkComputesWhatPyTorchComputedAndFeedsTheDetector() throws IOException {
        ByteBuffer io = ByteBuffer.wrap(Files.readAllBytes(Path.of("src/test/resources/torchscript/tiny-trunk-io.bin")))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] x = new float[3 * 64 * 64];
        float[] y = new float[24 * 8 * 8];
        io.asFloatBuffer().get(x);
        io.position(4 * x.length);
        io.asFloatBuffer().get(y);
        Engine.getInstance().setRandomSeed(0);
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel model = new DetrModel(config(true)).initializeParameters(m);
            TorchScriptBackbone backbone = new TorchScriptBackbone(config(true).pretrained(), 32);
            NDArray input = m.create(x, new Shape(1, 3, 64, 64));
            float[] actual = backbone.features(input).toFloatArray();
            double worst = 0;
            for (int i = 0; i < y.length; i++) {
                worst = Math.max(worst, Math.abs(actual[i] - y[i]));
            }
            assertTrue(worst < 1e-5, "max |djl - pytorch| = " + worst);
            DetrOutput out = model.detect(new ParameterStore(m, false), m.randomNormal(new Shape(2, 3, 64, 64)), false);
            assertEquals(new Shape(2, 32, 8, 8), out.features().get(0).getShape());
            // Only the 1x1 projection (24 -> 32, with bias) and the group norm's gamma and beta are the detector's:
            // the trunk's own weights stay in its file.
            backbone.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 3, 64, 64));
            long backboneWeights = backbone.getParameters().values().stream()
                    .mapToLong(p -> p.getArray().size())
                    .sum();
            assertEquals(24 * 32 + 32 + 2 * 32, backboneWeights);
        }
    }

    @Test
    void fineTuningATorchScriptTrunkIsRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DetrModel(config(false)));
        assertTrue(e.getMessage().contains("freeze: true"), e.getMessage());
    }
}
