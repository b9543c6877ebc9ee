package dev.detrdistill.model.tfjs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader on small hand-written graphs: TF's asymmetric SAME padding, float16, and the errors it gives. */
class TfjsGraphTest {
    @TempDir
    Path dir;

    /** One 3x3 stride-2 SAME conv of a 4x4 input with an all-ones filter: TF pads 0 before and 1 after. */
    private Path convModel(String op, float[] filter) throws IOException {
        String json =
                """
                {"format": "graph-model", "modelTopology": {"node": [
                  {"name": "x", "op": "Placeholder", "attr": {}},
                  {"name": "w", "op": "Const", "attr": {}},
                  {"name": "y", "op": "%s", "input": ["x", "w"], "attr": {
                     "strides": {"list": {"i": ["1", "2", "2", "1"]}}, "padding": {"s": "U0FNRQ=="}}}]},
                 "weightsManifest": [{"paths": ["w.bin"], "weights": [
                   {"name": "w", "shape": [3, 3, 1, 1], "dtype": "float32",
                    "quantization": {"dtype": "float16", "original_dtype": "float32"}}]}]}
                """
                        .formatted(op);
        ByteBuffer b = ByteBuffer.allocate(2 * filter.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : filter) {
            b.putShort(half(f));
        }
        Files.write(dir.resolve("w.bin"), b.array());
        Path model = dir.resolve("model.json");
        Files.writeString(model, json);
        return model;
    }

    /** float to half for the small exact values used here. */
    private static short half(float f) {
        if (f == 0) {
            return 0;
        }
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        return (short) (sign | (exp << 10) | ((bits >>> 13) & 0x3ff));
    }

    @Test
    void samePaddingWithStrideTwoPadsAfterNotBefore() throws IOException {
        float[] ones = new float[9];
        java.util.Arrays.fill(ones, 1f);
        TfjsGraphBlock block = new TfjsGraphBlock(TfjsGraph.load(convModel("Conv2D", ones)), List.of("y"), false);
        try (NDManager m = NDManager.newBaseManager()) {
            block.initialize(m, DataType.FLOAT32, new Shape(1, 4, 4, 1));
            float[] x = new float[16];
            for (int i = 0; i < 16; i++) {
                x[i] = i; // row-major 4x4: value = 4 * row + col
            }
            NDArray in = m.create(x, new Shape(1, 4, 4, 1));
            float[] y = block.run(new ParameterStore(m, false), TfjsValue.tf(in), false)
                    .get(0)
                    .nhwc()
                    .toFloatArray();
            // Output (0,0) sums rows 0-2, cols 0-2 (no padding before): 0+1+2+4+5+6+8+9+10 = 45.
            // Output (1,1) sums rows 2-3, cols 2-3 and the zero padding after: 10+11+14+15 = 50.
            assertArrayEquals(new float[] {45, 39, 66, 50}, y);
        }
    }

    /** A 4x4 placeholder resized to a size folded as the constant [6, 6] (1.5 times the declared input). */
    private Path resizeModel() throws IOException {
        String json =
                """
                {"format": "graph-model", "modelTopology": {"node": [
                  {"name": "x", "op": "Placeholder", "attr": {"shape": {"shape": {"dim": [
                     {"size": "1"}, {"size": "4"}, {"size": "4"}, {"size": "1"}]}}}},
                  {"name": "size", "op": "Const", "attr": {}},
                  {"name": "y", "op": "ResizeBilinear", "input": ["x", "size"], "attr": {
                     "align_corners": {"b": false}, "half_pixel_centers": {"b": false}}}]},
                 "weightsManifest": [{"paths": ["s.bin"], "weights": [
                   {"name": "size", "shape": [2], "dtype": "int32"}]}]}
                """;
        ByteBuffer b =
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(6).putInt(6);
        Files.write(dir.resolve("s.bin"), b.array());
        Path model = dir.resolve("resize.json");
        Files.writeString(model, json);
        return model;
    }

    @Test
    void foldedResizeSizesScaleWithTheInput() throws IOException {
        TfjsGraphBlock block = new TfjsGraphBlock(TfjsGraph.load(resizeModel()), List.of("y"), false);
        try (NDManager m = NDManager.newBaseManager()) {
            block.initialize(m, DataType.FLOAT32, new Shape(1, 4, 4, 1));
            ParameterStore ps = new ParameterStore(m, false);
            // As exported at the declared 4x4; at other sizes the folded [6, 6] keeps its ratio to the input.
            int[][] sides = {{4, 6}, {8, 12}, {6, 9}};
            for (int[] s : sides) {
                NDArray in = m.ones(new Shape(1, s[0], s[0], 1));
                Shape out = block.run(ps, TfjsValue.tf(in), false).get(0).nhwc().getShape();
                assertEquals(new Shape(1, s[1], s[1], 1), out, "input " + s[0]);
            }
            NDArray odd = m.ones(new Shape(1, 5, 5, 1)); // 6 * 5 / 4 = 7.5 pixels
            TfjsFormatException e =
                    assertThrows(TfjsFormatException.class, () -> block.run(ps, TfjsValue.tf(odd), false));
            assertTrue(e.getMessage().contains("resize size size=[6, 6] was folded for a 4x4 input"), e.getMessage());
        }
    }

    @Test
    void halfPrecisionDecodesExactly() {
        assertEquals(1f, Float16.toFloat((short) 0x3c00));
        assertEquals(-2f, Float16.toFloat((short) 0xc000));
        assertEquals(65504f, Float16.toFloat((short) 0x7bff));
        assertEquals(0x1p-24f, Float16.toFloat((short) 0x0001));
        assertTrue(Float.isNaN(Float16.toFloat((short) 0x7e00)));
        assertEquals(Float.NEGATIVE_INFINITY, Float16.toFloat((short) 0xfc00));
    }

    @Test
    void unknownOpsAreRefusedByNameBeforeRunning() throws IOException {
        Path model = convModel("Conv3D", new float[9]);
        TfjsGraph graph = TfjsGraph.load(model);
        TfjsFormatException e =
                assertThrows(TfjsFormatException.class, () -> new TfjsGraphBlock(graph, List.of("y"), false));
        assertTrue(e.getMessage().contains("Conv3D (at y)"), e.getMessage());
    }

    @Test
    void truncatedWeightsNameTheWeight() throws IOException {
        Path model = convModel("Conv2D", new float[9]);
        Files.write(dir.resolve("w.bin"), new byte[10]);
        TfjsFormatException e = assertThrows(TfjsFormatException.class, () -> TfjsGraph.load(model));
        assertTrue(e.getMessage().contains("weight w (3, 3, 1, 1) needs 18 bytes"), e.getMessage());
    }

    @Test
    void aLayersModelIsNotAGraphModel() throws IOException {
        Path model = dir.resolve("layers.json");
        Files.writeString(model, "{\"format\": \"layers-model\"}");
        TfjsFormatException e = assertThrows(TfjsFormatException.class, () -> TfjsGraph.load(model));
        assertTrue(e.getMessage().contains("expected 'graph-model'"), e.getMessage());
    }
}
