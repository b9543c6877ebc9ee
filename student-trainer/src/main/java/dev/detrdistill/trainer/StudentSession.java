package dev.detrdistill.trainer;

import ai.djl.ndarray.NDManager;
import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.distill.Distiller;
import dev.detrdistill.eval.CocoMetrics;
import dev.detrdistill.eval.DetectorEvaluator;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.train.Checkpoint;
import dev.detrdistill.train.CheckpointMeta;
import dev.detrdistill.train.DetectorTrainer;
import dev.detrdistill.train.MetricsLog;
import dev.detrdistill.train.SeededInitialisation;
import dev.detrdistill.train.TrainOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One student learning from teacher records, independent of Flink: it batches records, renders their
 * views, steps the optimizer (DETR loss plus the spec's distillation terms), evaluates and writes
 * checkpoints on schedule. {@link #snapshot()} captures everything needed to continue exactly (weights,
 * AdamW moments, adapters, step, the partial batch); the Flink operator keeps it in checkpointed state.
 */
public final class StudentSession implements AutoCloseable {
    private final StudentSpec spec;
    private final TeacherCard card;
    private final List<String> classNames;
    private final TrainOptions options;
    private final NDManager manager;
    private final DetrModel model;
    private final DetectorTrainer trainer;
    private final RecordTeacherSource teacher;
    private final Distiller distiller;
    private final List<TeacherRecord> pending = new ArrayList<>();
    private final List<ImageView> pendingViews = new ArrayList<>();
    private final List<Refused> refusedAtRestore = new ArrayList<>();

    /** A pending record a restore could not take back (its image or claim check is gone), and why. */
    public record Refused(TeacherRecord record, BadRecordException why) {}

    private final TrainingClock clock = new TrainingClock();
    private int step;
    private long records;
    private MetricsLog metrics;
    private DetectionDataset evalData;
    private ImageCache evalCache;
    private Map<String, Float> lastLosses = Map.of();
    private float lastLr;
    private CocoMetrics lastEval;

    private StudentSession(StudentSpec spec, TeacherCard card, int plannedSteps, ai.djl.Device device) {
        this.spec = spec;
        this.card = card;
        this.classNames =
                card.getClassNames().stream().map(CharSequence::toString).toList();
        this.options = spec.train().withSteps(Math.max(1, plannedSteps)).validate();
        DetrConfig config = spec.modelFor(classNames.size(), card.getInputSize());
        manager = dev.detrdistill.model.Devices.newManager(device);
        // Model and adapters draw their initial weights from the engine's global generator, under a JVM-wide lock.
        Initialised parts = SeededInitialisation.seeded(options.seed(), () -> {
            DetrModel m = new DetrModel(config).initializeParameters(manager);
            RecordTeacherSource t = spec.distills() ? new RecordTeacherSource(card) : null;
            return new Initialised(m, t, t == null ? null : new Distiller(m, t, spec.distillation(), manager));
        });
        model = parts.model();
        teacher = parts.teacher();
        distiller = parts.distiller();
        trainer = new DetectorTrainer(model, new SetCriterion(LossWeights.defaults()), manager, options);
        if (distiller != null) {
            trainer.withExtraLoss(distiller);
        }
    }

    private record Initialised(DetrModel model, RecordTeacherSource teacher, Distiller distiller) {}

    /** A fresh student for this teacher; {@code plannedSteps} sets the learning-rate schedule's length. */
    public static StudentSession create(StudentSpec spec, TeacherCard card, int plannedSteps) {
        return create(spec, card, plannedSteps, dev.detrdistill.model.Devices.current());
    }

    /** As above, on {@code device}. */
    public static StudentSession create(StudentSpec spec, TeacherCard card, int plannedSteps, ai.djl.Device device) {
        return new StudentSession(spec, card, plannedSteps, device);
    }

    /** Continues exactly from {@link #snapshot()}. */
    public static StudentSession restore(StudentSpec spec, byte[] snapshot) {
        return restore(spec, snapshot, dev.detrdistill.model.Devices.current());
    }

    /** As above, on {@code device}. */
    public static StudentSession restore(StudentSpec spec, byte[] snapshot, ai.djl.Device device) {
        SessionSnapshot s = SessionSnapshot.read(snapshot);
        if (!s.student().equals(spec.name())) {
            throw new IllegalStateException(
                    "snapshot of student " + s.student() + " offered to student " + spec.name());
        }
        StudentSession session = new StudentSession(spec, s.card(), s.plannedSteps(), device);
        try {
            Checkpoint.loadParameterBytes(session.model, s.model(), session.manager);
            if (session.distiller != null) {
                if (s.adapters() == null) {
                    throw new IllegalStateException(
                            "student " + spec.name() + " distills now but its saved state has no adapters "
                                    + "(was it a baseline?); start it under a new name");
                }
                Checkpoint.loadParameterBytes(session.distiller.adapters(), s.adapters(), session.manager);
            }
            session.trainer.optimizer().load(new java.io.ByteArrayInputStream(s.optimizer()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore student " + spec.name() + ": " + e.getMessage(), e);
        }
        session.step = s.step();
        session.records = s.records();
        for (TeacherRecord r : s.pending()) {
            try {
                TeacherRecord inline = RecordTensors.inline(r); // snapshots of older versions may still hold references
                session.pendingViews.add(render(inline));
                session.pending.add(inline);
            } catch (BadRecordException e) {
                session.refusedAtRestore.add(
                        new Refused(r, e)); // dead letters, reported by the operator; restore goes on
            }
        }
        session.clock.restore(s.renderNanos(), s.stepNanos());
        return session;
    }

    public StudentSpec spec() {
        return spec;
    }

    /** Pending records the last restore could not take back; each is reported once, then forgotten. */
    public List<Refused> takeRefusedAtRestore() {
        List<Refused> out = List.copyOf(refusedAtRestore);
        refusedAtRestore.clear();
        return out;
    }

    public TeacherCard card() {
        return card;
    }

    public int step() {
        return step;
    }

    public int plannedSteps() {
        return options.steps();
    }

    public long records() {
        return records;
    }

    public Map<String, Float> lastLosses() {
        return lastLosses;
    }

    public CocoMetrics lastEval() {
        return lastEval;
    }

    public TrainingClock clock() {
        return clock;
    }

    public DetrModel model() {
        return model;
    }

    /**
     * Adds a record (validated against the card); trains when a batch is full.
     *
     * @throws BadRecordException when the record belongs to another teacher or its image is unreadable
     */
    public Optional<StepReport> accept(TeacherRecord r) {
        if (!r.getTeacherId().toString().equals(card.getTeacherId().toString())
                || r.getTeacherVersion() != card.getTeacherVersion()) {
            throw new BadRecordException(
                    "other teacher version",
                    RecordViews.key(r) + ": record of teacher " + r.getTeacherId() + " v"
                            + r.getTeacherVersion() + ", but student " + spec.name() + " learns from "
                            + card.getTeacherId() + " v"
                            + card.getTeacherVersion() + " (a student follows the teacher version it started with)");
        }
        long t0 = System.nanoTime();
        r = RecordTensors.inline(r); // the pending batch and its snapshot carry the data, not file references
        ImageView view = render(r); // an unreadable image fails here, for this record alone
        clock.add(System.nanoTime() - t0, 0);
        pending.add(r);
        pendingViews.add(view);
        records++;
        if (pending.size() < options.batchSize()) {
            return Optional.empty();
        }
        return Optional.of(trainPending());
    }

    /**
     * Ends training: the partial batch is trained, a checkpoint is written and the student is evaluated.
     * Nothing received is left untrained.
     */
    public StepReport finish() {
        StepReport last = pending.isEmpty() ? null : trainPending();
        saveCheckpoint();
        CocoMetrics m = spec.eval().enabled() ? evaluate() : null;
        writeLine(Map.of("step", step, "final", true, "records", records));
        writeSummary(m);
        return new StepReport(spec.name(), step, lastLosses, lastLr, m, true);
    }

    /** The record's view; any failure to render it is this record's alone. */
    private static ImageView render(TeacherRecord r) {
        try {
            return RecordViews.render(r);
        } catch (BadRecordException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadRecordException("unrenderable view", RecordViews.key(r) + ": " + e);
        }
    }

    /** Records a step could not train on: they leave the batch together, with why. */
    public static final class RefusedBatch extends RuntimeException {
        private final List<TeacherRecord> records;

        RefusedBatch(List<TeacherRecord> records, RuntimeException cause) {
            super("training step failed on a batch of " + records.size() + ": " + cause, cause);
            this.records = List.copyOf(records);
        }

        public List<TeacherRecord> records() {
            return records;
        }
    }

    private StepReport trainPending() {
        List<ImageView> views = new ArrayList<>(pendingViews);
        List<TeacherRecord> batch = new ArrayList<>(pending);
        pending.clear();
        pendingViews.clear();
        long t0 = System.nanoTime();
        DetectorTrainer.StepResult r;
        try {
            if (teacher != null) {
                teacher.setBatch(batch);
            }
            r = trainer.step(step, views);
        } catch (RuntimeException e) {
            records -= batch.size(); // they were not trained: they are dead letters now
            throw new RefusedBatch(batch, e);
        }
        clock.add(0, System.nanoTime() - t0);
        step++;
        lastLosses = r.losses();
        lastLr = r.lr();
        if (step % options.logEvery() == 0) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("step", step);
            line.putAll(r.losses());
            line.put("lr", r.lr());
            line.put("grad_norm", r.gradNorm());
            line.put("step_ms", r.millis());
            line.put("records", records);
            writeLine(line);
        }
        CocoMetrics m = null;
        boolean evalDue = options.evalEvery() > 0
                && step % options.evalEvery() == 0
                && spec.eval().enabled();
        if (evalDue || (options.checkpointEvery() > 0 && step % options.checkpointEvery() == 0)) {
            saveCheckpoint();
        }
        if (evalDue) {
            m = evaluate();
        }
        return new StepReport(spec.name(), step, r.losses(), r.lr(), m, false);
    }

    /** Evaluates on the spec's validation data and logs the metrics. */
    public CocoMetrics evaluate() {
        if (evalData == null) {
            evalData = DatasetLoader.load(
                            Path.of(spec.eval().data()), spec.eval().split(), classNames)
                    .limit(spec.eval().maxImages());
            evalCache = new ImageCache(2 * card.getInputSize());
        }
        long t0 = System.nanoTime();
        lastEval = DetectorEvaluator.evaluate(model, evalData, evalCache, manager, Math.max(1, options.batchSize()));
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", step);
        line.put("eval", lastEval.asMap());
        line.put("eval_seconds", (System.nanoTime() - t0) / 1e9);
        writeLine(line);
        return lastEval;
    }

    /** A checkpoint folder {@code ./distill eval} reads (weights, optimizer, adapters). */
    public Path saveCheckpoint() {
        Path dir = Path.of(spec.output(), "checkpoint");
        try {
            CheckpointMeta meta =
                    new CheckpointMeta(CheckpointMeta.FORMAT_VERSION, model.config(), classNames, step, options);
            Checkpoint.save(dir, meta, model, trainer.optimizer(), distiller == null ? null : distiller.adapters());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint of student " + spec.name() + " to " + dir, e);
        }
    }

    /** Everything needed to continue exactly where this session is now. */
    public byte[] snapshot() {
        try {
            return new SessionSnapshot(
                            spec.name(),
                            card,
                            options.steps(),
                            step,
                            records,
                            Checkpoint.parameterBytes(model),
                            trainer.optimizer().toBytes(),
                            distiller == null ? null : Checkpoint.parameterBytes(distiller.adapters()),
                            List.copyOf(pending),
                            clock.renderNanos(),
                            clock.stepNanos())
                    .write();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot snapshot student " + spec.name(), e);
        }
    }

    /** {@code summary.json}: what the run did, read by the job's result and the demo report. */
    private void writeSummary(CocoMetrics m) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("student", spec.name());
        summary.put("distillation", spec.distillation());
        summary.put("steps", step);
        summary.put("records", records);
        summary.put("teacher", card.getTeacherId() + "/" + card.getTeacherVersion());
        summary.put("eval", m == null ? null : m.asMap());
        summary.put("render_seconds", clock.renderNanos() / 1e9);
        summary.put("step_seconds", clock.stepNanos() / 1e9);
        // Teacher tensors decoded in this process since it started (part of step_seconds; not restored after a
        // failure).
        summary.put("teacher_decode_seconds", teacher == null ? 0 : teacher.decodeNanos() / 1e9);
        // Frozen pretrained backbones' cached maps, JVM-wide (shared by the students of a job).
        summary.put("frozen_backbone_cache", dev.detrdistill.model.FrozenTapCache.statistics());
        summary.put(
                "checkpoint",
                Path.of(spec.output(), "checkpoint").toAbsolutePath().toString());
        try {
            Path file = Path.of(spec.output(), "summary.json");
            java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
            new com.fasterxml.jackson.databind.ObjectMapper()
                    .writerWithDefaultPrettyPrinter()
                    .writeValue(file.toFile(), summary);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the summary of student " + spec.name(), e);
        }
    }

    private void writeLine(Map<String, ?> line) {
        try {
            if (metrics == null) {
                metrics = new MetricsLog(Path.of(spec.output(), "metrics.jsonl"));
            }
            Map<String, Object> withName = new LinkedHashMap<>();
            withName.put("student", spec.name());
            withName.putAll(line);
            metrics.write(withName);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics of student " + spec.name(), e);
        }
    }

    @Override
    public void close() {
        try {
            if (metrics != null) {
                metrics.close();
            }
        } catch (IOException e) {
            // closing a flushed file; nothing is lost
        }
        manager.close();
    }

    /** What one step did. {@code eval} is set when the student was evaluated after it. */
    public record StepReport(
            String student, int step, Map<String, Float> losses, float lr, CocoMetrics eval, boolean last) {}
}
