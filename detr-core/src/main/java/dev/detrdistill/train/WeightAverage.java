package dev.detrdistill.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exponential moving average of a detector's trainable weights (the "EMA model" of RT-DETR and DINO's
 * recipes): {@code average = d * average + (1 - d) * weights} after every optimizer step. Small batches make
 * the last iterate noisy; the average is what gets evaluated and saved as the model.
 *
 * <p>The decay ramps in as {@code min(decay, (1 + n) / (10 + n))} after {@code n} updates, so early, random
 * weights are forgotten quickly and the average spans roughly the last ninth of the run ((10 + n) / 9 steps)
 * until {@code decay} caps it. Frozen parameters never change and are not averaged.
 */
public final class WeightAverage implements AutoCloseable {
    private final float decay;
    private final NDManager manager;
    private final Map<String, NDArray> average = new LinkedHashMap<>();
    private Map<String, NDArray> swappedOut;
    private long updates;

    /** @param decay the largest per-step decay, in (0, 1) */
    public WeightAverage(float decay, NDManager parent) {
        this.decay = requireDecay(decay);
        this.manager = parent.newSubManager();
    }

    /** {@code decay} when it is in (0, 1); otherwise an error that names it. */
    public static float requireDecay(float decay) {
        if (!(decay > 0 && decay < 1)) {
            throw new IllegalArgumentException("weight-average decay " + decay + " is outside (0, 1)");
        }
        return decay;
    }

    public float decay() {
        return decay;
    }

    /** Updates taken so far. */
    public long updates() {
        return updates;
    }

    /** The decay the next update uses. */
    public float currentDecay() {
        return (float) Math.min(decay, (1.0 + updates) / (10.0 + updates));
    }

    /** Folds the current weights into the average (the first call copies them). */
    public void update(PairList<String, Parameter> parameters) {
        requireNotSwapped("update");
        float d = currentDecay();
        for (Pair<String, Parameter> p : trainable(parameters)) {
            NDArray weight = p.getValue().getArray();
            NDArray avg = average.get(p.getKey());
            if (avg == null) {
                average.put(p.getKey(), copyOf(weight));
                continue;
            }
            NDArray step = weight.sub(avg);
            avg.addi(step.muli(1 - d));
            step.close();
        }
        updates++;
    }

    /**
     * Puts the averaged weights into the parameters (for evaluation or saving); {@link #restore} puts the
     * training weights back.
     */
    public void swapIn(PairList<String, Parameter> parameters) {
        requireNotSwapped("swapIn");
        Map<String, NDArray> training = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : trainable(parameters)) {
            NDArray avg = average.get(p.getKey());
            if (avg == null) {
                continue;
            }
            NDArray weight = p.getValue().getArray();
            training.put(p.getKey(), copyOf(weight));
            overwrite(weight, avg);
        }
        swappedOut = training;
    }

    /** Undoes {@link #swapIn}. */
    public void restore(PairList<String, Parameter> parameters) {
        if (swappedOut == null) {
            throw new IllegalStateException("restore without swapIn");
        }
        for (Pair<String, Parameter> p : trainable(parameters)) {
            NDArray training = swappedOut.remove(p.getKey());
            if (training != null) {
                overwrite(p.getValue().getArray(), training);
                training.close();
            }
        }
        swappedOut = null;
    }

    /**
     * Takes the averaged weights from parameters that hold them (a checkpoint's model), to continue averaging after a
     * resume; {@code updates} is the step the checkpoint was written at.
     */
    public void load(PairList<String, Parameter> averagedParameters, long updates) {
        requireNotSwapped("load");
        average.values().forEach(NDArray::close);
        average.clear();
        for (Pair<String, Parameter> p : trainable(averagedParameters)) {
            average.put(p.getKey(), copyOf(p.getValue().getArray()));
        }
        this.updates = updates;
    }

    @Override
    public void close() {
        manager.close();
    }

    private NDArray copyOf(NDArray weight) {
        NDArray copy = weight.duplicate();
        copy.attach(manager);
        copy.setRequiresGradient(false);
        return copy;
    }

    /** In place, so the model's parameter keeps its array (the optimizer and autograd hold it). */
    private static void overwrite(NDArray target, NDArray source) {
        target.set(new NDIndex("..."), source);
    }

    private static PairList<String, Parameter> trainable(PairList<String, Parameter> parameters) {
        PairList<String, Parameter> out = new PairList<>();
        for (Pair<String, Parameter> p : parameters) {
            if (p.getValue().requiresGradient() && p.getValue().isInitialized()) {
                out.add(p);
            }
        }
        return out;
    }

    private void requireNotSwapped(String what) {
        if (swappedOut != null) {
            throw new IllegalStateException(what + " while the averaged weights are swapped in; restore first");
        }
    }
}
