package dev.detrdistill.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import dev.detrdistill.data.Batches;
import dev.detrdistill.data.DetectionTarget;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.model.DetrOutput;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One supervised optimisation step at a time. Every step's arrays live in their own scope and are freed
 * when it ends; only parameters and optimizer state outlive it (resident memory stays flat).
 */
public final class DetectorTrainer {
    /**
     * One gradient step at a time in this JVM. DJL's PyTorch gradient collector is JVM-wide: a second one open at the
     * same time fails ("already collecting"), and opening one zeroes the gradients of every array in the JVM. Two
     * students training in parallel threads (two Flink subtasks in one TaskManager) would break each other's steps.
     */
    private static final java.util.concurrent.locks.ReentrantLock GRADIENTS =
            new java.util.concurrent.locks.ReentrantLock(true);

    /** Extra loss terms on top of the DETR loss (distillation adds its terms here). */
    @FunctionalInterface
    public interface ExtraLoss {
        /** Called before the forward pass; may return an extra query group {@code (B, M, P)} for the decoder. */
        default NDArray extraQueries(ParameterStore ps, NDArray images, List<ImageView> views) {
            return null;
        }

        /** Weighted extra loss terms by name. */
        Map<String, NDArray> compute(
                DetrModel model, ParameterStore ps, NDArray images, List<ImageView> views, DetrOutput out);

        /**
         * State that is not a parameter but decides later steps (a random generator's position), saved with a
         * checkpoint so a resumed run continues exactly; null when none.
         */
        default byte[] saveState() {
            return null;
        }

        /** Restores what {@link #saveState} returned. */
        default void loadState(byte[] state) {}

        /** Extra trainable parameters (adapters), trained and checkpointed with the model; null when none. */
        default Block adapters() {
            return null;
        }
    }

    private final DetrModel model;
    private final SetCriterion criterion;
    private final AdamW optimizer;
    private final NDManager manager;
    private final LearningRateSchedule schedule;
    private final float clipNorm;
    private ExtraLoss extra;

    public DetectorTrainer(DetrModel model, SetCriterion criterion, NDManager manager, TrainOptions options) {
        this.model = model;
        this.criterion = criterion;
        this.manager = manager;
        this.optimizer = new AdamW(manager, options.weightDecay());
        this.schedule = options.learningRateSchedule();
        this.clipNorm = options.clipNorm();
    }

    public DetectorTrainer withExtraLoss(ExtraLoss extraLoss) {
        this.extra = extraLoss;
        return this;
    }

    /** The model's parameters, then the extra loss's adapters (prefixed {@code adapters.}). */
    public PairList<String, Parameter> trainableParameters() {
        PairList<String, Parameter> all = new PairList<>();
        for (Pair<String, Parameter> p : model.getParameters()) {
            all.add(p);
        }
        if (extra != null && extra.adapters() != null) {
            for (Pair<String, Parameter> p : extra.adapters().getParameters()) {
                all.add("adapters." + p.getKey(), p.getValue());
            }
        }
        return all;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public DetrModel model() {
        return model;
    }

    /** Runs forward, loss, backward, clipping and the AdamW update for zero-based step {@code step}. */
    public StepResult step(int step, List<ImageView> views) {
        long t0 = System.nanoTime();
        float lr = schedule.at(step);
        Map<String, Float> values = new LinkedHashMap<>();
        double gradNorm;
        GRADIENTS.lock();
        try {
            try (NDManager stepManager = manager.newSubManager();
                    NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                ParameterStore ps = new ParameterStore(stepManager, false);
                NDArray images = Batches.images(stepManager, views);
                List<DetectionTarget> targets = Batches.targets(views);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray extraPrior = extra == null ? null : extra.extraQueries(ps, images, views);
                    DetrOutput out = model.detect(ps, images, extraPrior, true);
                    Map<String, NDArray> losses = new LinkedHashMap<>(criterion.compute(out.queries(), targets));
                    NDArray total = losses.get("loss");
                    if (extra != null) {
                        for (Map.Entry<String, NDArray> e :
                                extra.compute(model, ps, images, views, out).entrySet()) {
                            losses.put(e.getKey(), e.getValue());
                            total = total.add(e.getValue());
                        }
                        losses.put("loss", total);
                    }
                    for (Map.Entry<String, NDArray> e : losses.entrySet()) {
                        float v = e.getValue().getFloat();
                        if (!Float.isFinite(v)) {
                            throw new NonFiniteLossException("loss term " + e.getKey() + " is " + v + " at step " + step
                                    + " (images "
                                    + views.stream().map(ImageView::imageId).toList() + ")");
                        }
                        values.put(e.getKey(), v);
                    }
                    gc.backward(total);
                }
                gradNorm = GradientClipping.clipByGlobalNorm(trainableParameters(), clipNorm);
            }
            // Outside the step's scope: the optimizer's moments live as long as the trainer.
            optimizer.step(trainableParameters(), lr, model.learningRateScales());
        } finally {
            GRADIENTS.unlock();
        }
        return new StepResult(step, values, lr, gradNorm, (System.nanoTime() - t0) / 1e6);
    }

    /** Measured values of one step. */
    public record StepResult(int step, Map<String, Float> losses, float lr, double gradNorm, double millis) {}
}
