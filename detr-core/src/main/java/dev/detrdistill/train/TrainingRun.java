package dev.detrdistill.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.eval.CocoMetrics;
import dev.detrdistill.eval.DetectorEvaluator;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.progress.ProgressBar;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A whole supervised training run into an output folder: {@code checkpoint/} (resumable),
 * {@code metrics.jsonl} (one line per logged step and per evaluation) and the final metrics. The next
 * batch is prepared on a background thread while the current step runs.
 */
public final class TrainingRun {
    private final DetrConfig config;
    private final DetectionDataset train;
    private final DetectionDataset val;
    private final TrainOptions options;
    private final Path outDir;
    private final PrintStream log;
    private ExtraLossFactory extraLossFactory;
    private DetectorTrainer.ExtraLoss extraLoss;

    /** Builds the extra loss (e.g. a distiller) once the student exists; it may allocate on {@code manager}. */
    @FunctionalInterface
    public interface ExtraLossFactory {
        DetectorTrainer.ExtraLoss create(DetrModel student, NDManager manager) throws IOException;
    }

    private int stopAfter = Integer.MAX_VALUE;
    private float averageDecay;

    public TrainingRun(
            DetrConfig config,
            DetectionDataset train,
            DetectionDataset val,
            TrainOptions options,
            Path outDir,
            PrintStream log) {
        this.config = config.validate();
        this.train = train;
        this.val = val;
        this.options = options.validate();
        this.outDir = outDir;
        this.log = log;
        if (train.numClasses() != config.numClasses()) {
            throw new IllegalArgumentException("detector config numClasses=" + config.numClasses() + " but dataset "
                    + train.name() + " has " + train.numClasses() + " classes " + train.classNames());
        }
    }

    public TrainingRun withExtraLoss(ExtraLossFactory factory) {
        this.extraLossFactory = factory;
        return this;
    }

    /**
     * Keeps an exponential moving average of the weights ({@link WeightAverage}, largest decay {@code decay}; 0 = off):
     * evaluations use it and the checkpoint's model is it.
     */
    public TrainingRun withWeightAverage(float decay) {
        this.averageDecay = decay == 0 ? 0 : WeightAverage.requireDecay(decay);
        return this;
    }

    /**
     * Stops (with a checkpoint, without final evaluation) once {@code step} steps are done, leaving the
     * schedule as if the run went on: a later {@code run(true)} continues exactly where this one stopped.
     */
    public TrainingRun stopAfter(int step) {
        this.stopAfter = step;
        return this;
    }

    /** What one run holds while it trains. */
    private record Live(
            DetrModel model,
            DetectorTrainer trainer,
            NDManager manager,
            MetricsLog metrics,
            ImageCache cache,
            Path ckpt,
            WeightAverage average,
            DetectorTrainer.ExtraLoss extraLoss) {
        void save(CheckpointMeta meta) throws IOException {
            Checkpoint.save(
                    ckpt,
                    meta,
                    model,
                    trainer.optimizer(),
                    extraLoss == null ? null : extraLoss.adapters(),
                    average,
                    extraLoss == null ? null : extraLoss.saveState());
        }
    }

    /**
     * Trains (resuming from {@code outDir/checkpoint} when {@code resume}) and returns the final validation metrics.
     */
    public CocoMetrics run(boolean resume) throws IOException {
        Path ckpt = outDir.resolve("checkpoint");
        Engine.getInstance().setRandomSeed((int) options.seed());
        ImageCache cache = new ImageCache(2 * config.imageSize());
        ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "batch-loader");
            t.setDaemon(true);
            return t;
        });
        try (NDManager manager = dev.detrdistill.model.Devices.newManager();
                MetricsLog metrics = new MetricsLog(outDir.resolve("metrics.jsonl"))) {
            DetrModel model = new DetrModel(config).initializeParameters(manager);
            extraLoss = extraLossFactory == null ? null : extraLossFactory.create(model, manager);
            DetectorTrainer trainer = new DetectorTrainer(
                            model, new SetCriterion(LossWeights.defaults()), manager, options)
                    .withExtraLoss(extraLoss);
            WeightAverage average = averageDecay > 0 ? new WeightAverage(averageDecay, manager) : null;
            Live live = new Live(model, trainer, manager, metrics, cache, ckpt, average, extraLoss);
            int start = resume && Checkpoint.exists(ckpt) ? resumedStep(live) : 0;
            log.printf(
                    Locale.ROOT,
                    "training %s on %s (%d images, %d objects) for %d steps, batch %d%n",
                    describe(config),
                    train.name(),
                    train.images().size(),
                    train.numObjects(),
                    options.steps(),
                    options.batchSize());
            log.println(dev.detrdistill.progress.MachineFacts.current().describe());
            if (!train.report().droppedBoxes().isEmpty()) {
                log.println("data: " + train.report().summary());
            }
            if (average != null) {
                log.printf(
                        Locale.ROOT,
                        "weight average: decay up to %s; evaluations and the checkpoint's model use it%n",
                        average.decay());
            }
            if (!trainSteps(live, start, loader)) {
                return null;
            }
            live.save(meta(options.steps()));
            log.println("checkpoint: " + ckpt);
            return val == null ? null : evaluateAndLog(live, options.steps());
        } finally {
            loader.shutdownNow();
        }
    }

    /** Loads weights, adapters and optimizer state from the checkpoint; returns the step to continue from. */
    private int resumedStep(Live live) throws IOException {
        CheckpointMeta meta = Checkpoint.readMeta(live.ckpt());
        if (!meta.config().equals(config)) {
            throw new IllegalArgumentException(
                    "cannot resume " + live.ckpt() + ": its detector config differs from --config");
        }
        Checkpoint.loadParameters(live.ckpt(), live.model(), live.manager());
        boolean averaged = Checkpoint.hasWeightAverage(live.ckpt());
        if (averaged != (live.average() != null)) {
            throw new IllegalArgumentException("cannot resume " + live.ckpt() + ": it was written "
                    + (averaged ? "with" : "without") + " a weight average (--ema), this run is "
                    + (averaged ? "without" : "with") + " one");
        }
        if (averaged) {
            // model.params holds the average; the optimizer continues from its own weights.
            live.average().load(live.model().getParameters(), meta.step());
            Checkpoint.loadTrainingParameters(live.ckpt(), live.model(), live.manager());
        }
        if (extraLoss != null && extraLoss.adapters() != null) {
            Checkpoint.loadAdapters(live.ckpt(), extraLoss.adapters(), live.manager());
        }
        Checkpoint.loadOptimizer(live.ckpt(), live.trainer().optimizer());
        byte[] state = extraLoss == null ? null : Checkpoint.readExtraState(live.ckpt());
        if (state != null) {
            extraLoss.loadState(state);
        } else if (extraLoss != null && extraLoss.saveState() != null) {
            log.printf(
                    "warning: %s holds no %s (written before it was saved): the extra loss's random "
                            + "draws restart from the seed, so this resume is not exact%n",
                    live.ckpt(), Checkpoint.EXTRA_STATE);
        }
        log.printf("resuming from %s at step %d%n", live.ckpt(), meta.step());
        return meta.step();
    }

    /**
     * Steps {@code start..steps-1}, the next batch loading while this one trains. False when the run stopped early
     * (a signal, or {@link #stopAfter}) with a checkpoint.
     */
    private boolean trainSteps(Live live, int start, ExecutorService loader) throws IOException {
        BatchSampler sampler = new BatchSampler(train, live.cache(), options, config.imageSize());
        ProgressBar bar = new ProgressBar(log, "train", options.steps());
        Future<List<ImageView>> next = start < options.steps() ? loader.submit(batchTask(sampler, start)) : null;
        double emaLoss = Double.NaN;
        GracefulStop stop = GracefulStop.install();
        try {
            for (int step = start; step < options.steps(); step++) {
                if (stop.requested()) {
                    live.save(meta(step));
                    log.printf(
                            "%ninterrupted: checkpoint at step %d in %s (continue with --resume)%n", step, live.ckpt());
                    return false;
                }
                List<ImageView> batch = await(next);
                next = step + 1 < options.steps() ? loader.submit(batchTask(sampler, step + 1)) : null;
                DetectorTrainer.StepResult r = live.trainer().step(step, batch);
                if (live.average() != null) {
                    live.average().update(live.model().getParameters());
                }
                float loss = r.losses().get("loss");
                emaLoss = Double.isNaN(emaLoss) ? loss : 0.95 * emaLoss + 0.05 * loss;
                bar.update(step + 1, start, String.format(Locale.ROOT, "loss %.3f lr %.2e", emaLoss, r.lr()));
                logStep(live.metrics(), step + 1, r);
                if (!followSchedule(live, step + 1)) {
                    return false;
                }
            }
            return true;
        } finally {
            stop.done();
        }
    }

    private void logStep(MetricsLog metrics, int done, DetectorTrainer.StepResult r) {
        if (done % options.logEvery() == 0 || done == options.steps()) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("step", done);
            line.putAll(r.losses());
            line.put("lr", r.lr());
            line.put("grad_norm", r.gradNorm());
            line.put("step_ms", r.millis());
            metrics.write(line);
        }
    }

    /** After {@code done} steps: the periodic checkpoint and evaluation, or a requested stop (false). */
    private boolean followSchedule(Live live, int done) throws IOException {
        if (done == stopAfter && done < options.steps()) {
            live.save(meta(done));
            log.printf("%nstopped after step %d; checkpoint: %s (resume with --resume)%n", done, live.ckpt());
            return false;
        }
        boolean last = done == options.steps();
        if (!last && options.checkpointEvery() > 0 && done % options.checkpointEvery() == 0) {
            live.save(meta(done));
        }
        if (!last && options.evalEvery() > 0 && done % options.evalEvery() == 0 && val != null) {
            evaluateAndLog(live, done);
        }
        return true;
    }

    private CocoMetrics evaluateAndLog(Live live, int step) {
        long t0 = System.nanoTime();
        if (live.average() != null) {
            live.average().swapIn(live.model().getParameters());
        }
        CocoMetrics m;
        try {
            m = DetectorEvaluator.evaluate(
                    live.model(), val, live.cache(), live.manager(), Math.max(1, options.batchSize()));
        } finally {
            if (live.average() != null) {
                live.average().restore(live.model().getParameters());
            }
        }
        MetricsLog metrics = live.metrics();
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", step);
        line.put("eval", m.asMap());
        line.put("eval_seconds", (System.nanoTime() - t0) / 1e9);
        metrics.write(line);
        log.printf(
                Locale.ROOT,
                "%neval @ step %d on %s: AP %.3f AP50 %.3f AP75 %.3f%n",
                step,
                val.name(),
                m.stats()[0],
                m.stats()[1],
                m.stats()[2]);
        return m;
    }

    private CheckpointMeta meta(int step) {
        return new CheckpointMeta(CheckpointMeta.FORMAT_VERSION, config, train.classNames(), step, options);
    }

    private static java.util.concurrent.Callable<List<ImageView>> batchTask(BatchSampler sampler, int step) {
        return () -> sampler.batch(step);
    }

    private static List<ImageView> await(Future<List<ImageView>> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading a batch", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("loading a batch failed: " + e.getCause(), e.getCause());
        }
    }

    static String describe(DetrConfig c) {
        return String.format(
                Locale.ROOT,
                "%s-decoder DETR (backbone %s, d=%d, enc %d, dec %d, %d queries, %dpx)",
                c.decoder().name().toLowerCase(Locale.ROOT),
                c.pretrained() != null
                        ? c.pretrained().file() + " strides " + c.pretrained().strides()
                                + (c.pretrained().freeze()
                                        ? " frozen"
                                        : " lr x" + c.pretrained().lrScale())
                        : c.backboneWidths() + " x" + c.blocksPerStage() + " blocks",
                c.hiddenDim(),
                c.encoderLayers(),
                c.decoderLayers(),
                c.numQueries(),
                c.imageSize());
    }
}
