package dev.detrdistill.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.detrdistill.box.Scalars;
import dev.detrdistill.data.Batches;
import dev.detrdistill.data.DetectionTarget;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.matching.Assignment;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.model.DetrOutput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Box denoising (DN-DETR): the ground-truth boxes, jittered, go through the decoder as an extra query group (the
 * model's own queries cannot see it, nor it them), and each must be reconstructed into its own box and class:
 * a fixed one-to-one correspondence, no matching. The decoder learns to refine a box near an object and to name it
 * from the first step, which matching alone teaches slowly. Training only; for anchor decoders.
 */
public final class DenoisingGroup implements DetectorTrainer.ExtraLoss {
    private final SetCriterion criterion;
    private final float noise;
    private final float weight;
    private final long seed;
    private SplittableRandom random;
    /** Numbers drawn so far: the generator's whole state, saved with a checkpoint so a resume draws on. */
    private long draws;

    private List<DetectionTarget> targets;

    /**
     * @param noise DN-DETR's box noise scale: centres move up to {@code noise} x half the size, sizes scale by up to
     *     {@code 1 +- noise}
     */
    public DenoisingGroup(DetrModel model, SetCriterion criterion, float noise, float weight, long seed) {
        if (!model.config().decoder().usesAnchors()) {
            throw new IllegalArgumentException("denoising needs an anchor decoder (ANCHOR or DAB), not "
                    + model.config().decoder());
        }
        if (!(noise > 0 && noise <= 1) || !(weight > 0)) {
            throw new IllegalArgumentException(
                    "denoising: noise=" + noise + " (expected (0, 1]), weight=" + weight + " (expected > 0)");
        }
        this.criterion = criterion;
        this.noise = noise;
        this.weight = weight;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** The count of numbers drawn, eight bytes. */
    @Override
    public byte[] saveState() {
        return java.nio.ByteBuffer.allocate(Long.BYTES).putLong(draws).array();
    }

    /** Continues the noise where {@link #saveState} left it: the same generator, advanced past what was drawn. */
    @Override
    public void loadState(byte[] state) {
        if (state == null || state.length != Long.BYTES) {
            throw new IllegalArgumentException(
                    "denoising state must be " + Long.BYTES + " bytes, got " + (state == null ? "none" : state.length));
        }
        long n = java.nio.ByteBuffer.wrap(state).getLong();
        random = new SplittableRandom(seed);
        draws = 0;
        while (draws < n) {
            draw(0, 1); // the same call as every real draw, so the generator advances the same way
        }
    }

    private double draw(double from, double to) {
        draws++;
        return random.nextDouble(from, to);
    }

    @Override
    public NDArray extraQueries(ParameterStore ps, NDArray images, List<ImageView> views) {
        targets = Batches.targets(views);
        int width = Math.max(
                1, targets.stream().mapToInt(DetectionTarget::size).max().orElse(0));
        int b = targets.size();
        float[] boxes = new float[b * width * 4];
        for (int i = 0; i < b; i++) {
            DetectionTarget t = targets.get(i);
            for (int q = 0; q < width; q++) {
                int o = (i * width + q) * 4;
                if (q < t.size()) {
                    float cx = t.boxes()[4 * q], cy = t.boxes()[4 * q + 1];
                    float w = t.boxes()[4 * q + 2], h = t.boxes()[4 * q + 3];
                    boxes[o] = clamp(cx + jitter() * noise * w / 2);
                    boxes[o + 1] = clamp(cy + jitter() * noise * h / 2);
                    boxes[o + 2] = clamp(w + jitter() * noise * w);
                    boxes[o + 3] = clamp(h + jitter() * noise * h);
                } else {
                    // Padding (an image with fewer boxes than the batch's most): a random box, a negative.
                    boxes[o] = (float) draw(0.05, 0.95);
                    boxes[o + 1] = (float) draw(0.05, 0.95);
                    boxes[o + 2] = (float) draw(0.05, 0.3);
                    boxes[o + 3] = (float) draw(0.05, 0.3);
                }
            }
        }
        NDArray noisy = images.getManager().create(boxes, new Shape(b, width, 4));
        return Scalars.inverseSigmoid(noisy); // the anchor decoders' prior lives in logit space
    }

    private float jitter() {
        return (float) draw(-1, 1);
    }

    private static float clamp(float v) {
        return Math.min(0.999f, Math.max(0.001f, v));
    }

    @Override
    public Map<String, NDArray> compute(
            DetrModel model, ParameterStore ps, NDArray images, List<ImageView> views, DetrOutput out) {
        var group = out.extraGroup().orElseThrow();
        List<Assignment> identity = new ArrayList<>();
        for (DetectionTarget t : targets) {
            int[] idx = new int[t.size()];
            for (int k = 0; k < idx.length; k++) {
                idx[k] = k;
            }
            identity.add(new Assignment(idx, idx.clone(), 0));
        }
        float numBoxes =
                Math.max(1f, targets.stream().mapToInt(DetectionTarget::size).sum());
        NDArray total = null;
        for (int k = 0; k < group.numStages(); k++) {
            NDArray stage = criterion
                    .stageLoss(group.logits().get(k), group.boxes().get(k), targets, identity, numBoxes)
                    .get("loss");
            total = total == null ? stage : total.add(stage);
        }
        Map<String, NDArray> terms = new LinkedHashMap<>();
        terms.put("loss_denoising", Scalars.mul(total, weight));
        return terms;
    }
}
