package dev.detrdistill.model.pretrained;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.detrdistill.model.tfjs.TfjsGraph;
import dev.detrdistill.model.tfjs.TfjsGraphBlock;
import dev.detrdistill.model.tfjs.TfjsValue;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The imported COCO CenterNet (MobileNetV3) of {@link NpmModelPackage#HUMAN_MODELS}, whole: backbone, its own head
 * and its own top-100 decoding, all run from the TensorFlow.js graph. Used to check an import, and as the source of
 * the pretrained backbone ({@link #BACKBONE_TAPS}).
 */
public final class CenterNetModel implements AutoCloseable {
    /** The graph's input side: its head's constants are computed for 512 px. */
    public static final int INPUT_SIZE = 512;

    public static final String DETECTIONS = "tower_0/detections";

    /** Backbone outputs by stride (NHWC names in the graph): 32, 88 and 480 channels. */
    public static final java.util.Map<Integer, String> BACKBONE_TAPS = java.util.Map.of(
            8, "tower_0/MobilenetV3/expanded_conv_5/add",
            16, "tower_0/MobilenetV3/expanded_conv_11/add",
            32, "tower_0/extern1/hard_swish/mul_1");

    /**
     * Its feature pyramid's maps by stride: each the concatenation of a backbone map (through a 1x1 and a separable
     * 3x3 conv) with the next coarser level upsampled, so the stride-8 one already carries the stride-16 and -32
     * context. At another input size than 512 px its folded upsampling sizes scale with the input.
     */
    public static final java.util.Map<Integer, String> NECK_TAPS = java.util.Map.of(
            4, "tower_0/CenternetHead/Relu_2",
            8, "tower_0/CenternetHead/Relu_1",
            16, "tower_0/CenternetHead/Relu");

    /** Channels of each tap. */
    public static final java.util.Map<Integer, Integer> TAP_CHANNELS = java.util.Map.of(8, 32, 16, 88, 32, 480);

    /** One detection in the photo's own pixel coordinates. */
    public record Found(String category, float score, float x1, float y1, float x2, float y2) {
        @Override
        public String toString() {
            return String.format("%s %.3f %.1f %.1f %.1f %.1f", category, score, x1, y1, x2, y2);
        }
    }

    private final NDManager manager;
    private final TfjsGraphBlock block;

    public CenterNetModel(Path modelJson) {
        manager = NDManager.newBaseManager();
        block = new TfjsGraphBlock(TfjsGraph.load(modelJson), List.of(DETECTIONS), false);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, INPUT_SIZE, INPUT_SIZE, 3));
    }

    /** The model file inside a fetched {@link NpmModelPackage#HUMAN_MODELS}. */
    public static Path modelJson(Path packageDir) {
        return packageDir.resolve("centernet.json");
    }

    /** The top {@code limit} detections (of the graph's 100), best first, at or above {@code minScore}. */
    public List<Found> detect(BufferedImage photo, int limit, float minScore) {
        try (NDManager step = manager.newSubManager()) {
            NDArray pixels = step.create(rgb(photo), new Shape(1, INPUT_SIZE, INPUT_SIZE, 3));
            NDArray rows = block.run(new ParameterStore(step, false), TfjsValue.tf(pixels), false)
                    .get(0)
                    .nhwc();
            float[] v = rows.toFloatArray(); // (1, 100, 6): x1 y1 x2 y2 score class, in 512-px coordinates
            float sx = photo.getWidth() / (float) INPUT_SIZE;
            float sy = photo.getHeight() / (float) INPUT_SIZE;
            List<Found> found = new ArrayList<>();
            for (int i = 0; i < v.length / 6 && found.size() < limit; i++) {
                float score = v[i * 6 + 4];
                if (score >= minScore) {
                    found.add(new Found(
                            CocoCategories.name(Math.round(v[i * 6 + 5])),
                            score,
                            v[i * 6] * sx,
                            v[i * 6 + 1] * sy,
                            v[i * 6 + 2] * sx,
                            v[i * 6 + 3] * sy));
                }
            }
            return found;
        }
    }

    /** NHWC RGB floats 0..255 at 512x512 (the photo is resized, not cropped). */
    static float[] rgb(BufferedImage photo) {
        BufferedImage img = photo;
        if (photo.getWidth() != INPUT_SIZE || photo.getHeight() != INPUT_SIZE) {
            img = new BufferedImage(INPUT_SIZE, INPUT_SIZE, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(photo, 0, 0, INPUT_SIZE, INPUT_SIZE, null);
            g.dispose();
        }
        float[] out = new float[INPUT_SIZE * INPUT_SIZE * 3];
        for (int y = 0; y < INPUT_SIZE; y++) {
            for (int x = 0; x < INPUT_SIZE; x++) {
                int p = img.getRGB(x, y);
                int i = (y * INPUT_SIZE + x) * 3;
                out[i] = (p >> 16) & 0xff;
                out[i + 1] = (p >> 8) & 0xff;
                out[i + 2] = p & 0xff;
            }
        }
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
