package dev.detrdistill.trainer.flink;

import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.trainer.AvroBinary;
import dev.detrdistill.trainer.BadRecordException;
import dev.detrdistill.trainer.RecordViews;
import dev.detrdistill.trainer.StudentSession;
import dev.detrdistill.trainer.StudentSpec;
import dev.detrdistill.trainer.StudentSpecs;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The keyed training operator: one {@link StudentSession} per student key. Each session's full state
 * (weights, AdamW, adapters, step, partial batch) is written to keyed state at every checkpoint barrier,
 * so a checkpoint holds it together with the Kafka offsets: after a failure the job resumes with nothing
 * lost and nothing trained twice. At the end of a bounded replay every student trains its partial batch,
 * writes its checkpoint and is evaluated.
 */
public final class StudentTrainingOperator extends AbstractStreamOperator<StudentProgress>
        implements OneInputStreamOperator<StudentTask, StudentProgress>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    static final String STATE = "student-session";

    private final Map<String, String> specJson;
    private final Map<String, Integer> plannedSteps;
    private final FailureDrill drill;
    private final String device;
    private transient ai.djl.Device computeDevice;
    private transient Map<String, StudentSession> sessions;
    private transient Map<String, StudentSpec> specs;
    private transient ValueState<byte[]> state;
    private transient DeadLetterCounter deadLetters;
    private transient Map<Long, Integer> stepsInCheckpoint;
    private transient boolean checkpointWithProgress;

    /**
     * @param plannedSteps per student, the learning-rate schedule's length
     * @param drill fails the job once on purpose to rehearse recovery; {@link FailureDrill#OFF} normally
     */
    public StudentTrainingOperator(List<StudentSpec> students, Map<String, Integer> plannedSteps, FailureDrill drill) {
        this(students, plannedSteps, drill, "auto");
    }

    /** @param device where students compute on this task manager ({@code --device}: cpu, gpu, gpu:n, auto) */
    public StudentTrainingOperator(
            List<StudentSpec> students, Map<String, Integer> plannedSteps, FailureDrill drill, String device) {
        this.specJson = new LinkedHashMap<>();
        for (StudentSpec s : students) {
            specJson.put(s.name(), StudentSpecs.toJson(s));
        }
        this.plannedSteps = new HashMap<>(plannedSteps);
        this.drill = drill;
        this.device = device;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        state = context.getKeyedStateStore()
                .getState(new ValueStateDescriptor<>(STATE, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void open() throws Exception {
        super.open();
        AvroTrust.trustRecordClasses();
        computeDevice = dev.detrdistill.model.Devices.parse(device); // on the task manager: its GPUs, not the client's
        sessions = new TreeMap<>();
        specs = new HashMap<>();
        specJson.forEach((name, json) -> specs.put(name, StudentSpecs.fromJson(json)));
        deadLetters = new DeadLetterCounter(getRuntimeContext());
        stepsInCheckpoint = new HashMap<>();
    }

    @Override
    public void processElement(StreamRecord<StudentTask> element) throws Exception {
        StudentTask task = element.getValue();
        StudentSession session = session(task);
        try {
            session.accept(task.record).ifPresent(report -> {
                if (report.eval() != null
                        || report.step() % session.spec().train().logEvery() == 0) {
                    output.collect(new StreamRecord<>(progress(session, report)));
                }
            });
        } catch (BadRecordException e) {
            refuse(task.student, task.record, task, e.reason(), e.getMessage());
        } catch (StudentSession.RefusedBatch e) {
            // The step failed: every record of its batch leaves, with the cause; the student goes on with the next.
            for (TeacherRecord r : e.records()) {
                refuse(task.student, r, task, "training step failed", e.getMessage());
            }
        } catch (RuntimeException e) {
            refuse(task.student, task.record, task, "unexpected error", e.toString());
        }
        drill.maybeFail(session.step(), checkpointWithProgress);
    }

    /** A record this student cannot train on, to the dead-letter output with its reason (the job goes on). */
    private void refuse(String student, TeacherRecord record, StudentTask where, String reason, String detail)
            throws IOException {
        RefusedRecord d = new RefusedRecord();
        d.reason = reason;
        d.detail = (where == null ? "" : where.coordinates() + " ") + detail;
        d.stage = "student:" + student;
        d.topic = where == null ? "" : where.topic;
        d.partition = where == null ? -1 : where.partition;
        d.offset = where == null ? -1 : where.offset;
        d.key = RecordViews.key(record);
        d.value = AvroBinary.encode(record, TeacherRecord.class);
        d.valueFormat = "avro-binary";
        output.collect(RefusedRecord.TAG, new StreamRecord<>(deadLetters.count(d)));
    }

    /** Pending records a restore could not take back become dead letters now. */
    private void reportRefusedAtRestore(StudentSession s) throws IOException {
        for (StudentSession.Refused r : s.takeRefusedAtRestore()) {
            refuse(
                    s.spec().name(),
                    r.record(),
                    null,
                    r.why().reason(),
                    "pending at restore: " + r.why().getMessage());
        }
    }

    private StudentSession session(StudentTask task) throws IOException {
        StudentSession s = sessions.get(task.student);
        if (s == null) {
            StudentSpec spec = specs.get(task.student);
            if (spec == null) {
                throw new IllegalStateException(
                        "record routed to unknown student " + task.student + "; configured: " + specs.keySet());
            }
            byte[] saved = state.value();
            s = saved != null
                    ? StudentSession.restore(spec, saved, computeDevice)
                    : StudentSession.create(spec, task.card, plannedSteps.getOrDefault(task.student, 1), computeDevice);
            if (saved != null) {
                reportRefusedAtRestore(s);
                drill.restored(s.step());
                LOG.info("student {} restored at step {} with {} records seen", spec.name(), s.step(), s.records());
            }
            registerMetrics(s);
            sessions.put(task.student, s);
        }
        return s;
    }

    private void registerMetrics(StudentSession s) {
        var g = getMetricGroup().addGroup("student", s.spec().name());
        g.gauge("step", s::step);
        g.gauge("records", s::records);
        g.gauge("loss", () -> s.lastLosses().getOrDefault("loss", Float.NaN));
        g.gauge("AP", () -> s.lastEval() == null ? Double.NaN : s.lastEval().stats()[0]);
        g.gauge("renderShare", () -> s.clock().renderShare());
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        int steps = 0;
        for (Map.Entry<String, StudentSession> e : sessions.entrySet()) {
            setCurrentKey(e.getKey());
            state.update(e.getValue().snapshot());
            steps += e.getValue().step();
        }
        stepsInCheckpoint.put(context.getCheckpointId(), steps);
        super.snapshotState(context);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        Integer steps = stepsInCheckpoint.remove(checkpointId);
        if (steps != null && steps > 0) {
            checkpointWithProgress = true;
        }
        stepsInCheckpoint.keySet().removeIf(id -> id < checkpointId);
    }

    @Override
    public void endInput() throws Exception {
        // Students restored from a checkpoint that received nothing since still need their final step.
        List<Object> keys;
        try (var stream = getKeyedStateBackend().getKeys(STATE, VoidNamespace.INSTANCE)) {
            keys = stream.map(k -> (Object) k).toList();
        }
        for (Object key : keys) {
            String name = (String) key;
            if (!sessions.containsKey(name) && specs.containsKey(name)) {
                setCurrentKey(name);
                StudentSession s = StudentSession.restore(specs.get(name), state.value(), computeDevice);
                reportRefusedAtRestore(s);
                registerMetrics(s);
                sessions.put(name, s);
            }
        }
        for (StudentSession s : sessions.values()) {
            StudentSession.StepReport report;
            try {
                report = s.finish();
            } catch (StudentSession.RefusedBatch e) {
                for (TeacherRecord r : e.records()) {
                    refuse(s.spec().name(), r, null, "training step failed", e.getMessage());
                }
                report = s.finish(); // nothing pending now: checkpoint, evaluate and summarise
            }
            output.collect(new StreamRecord<>(progress(s, report)));
        }
        if (drill.enabled() && drill.firedAt() < 0) {
            LOG.warn(
                    "failure drill {} never fired: the stream ended before step {} with a completed checkpoint",
                    drill.id(),
                    drill.atStep());
        }
    }

    /** Per student, the wall clock and step when this operator instance first reported it: the basis of its ETA. */
    private transient java.util.Map<String, long[]> etaBase;

    private StudentProgress progress(StudentSession s, StudentSession.StepReport r) {
        if (etaBase == null) {
            etaBase = new java.util.HashMap<>();
        }
        long[] base = etaBase.computeIfAbsent(s.spec().name(), k -> new long[] {System.nanoTime(), r.step()});
        StudentProgress p = new StudentProgress();
        long stepsHere = r.step() - base[1];
        // Wall time per step here includes the other students sharing this subtask, so the ETA is a wall-clock one.
        p.etaSeconds = stepsHere > 0
                ? (System.nanoTime() - base[0]) / 1e9 / stepsHere * Math.max(0, s.plannedSteps() - r.step())
                : Double.NaN;
        p.student = s.spec().name();
        p.step = r.step();
        p.plannedSteps = s.plannedSteps();
        p.records = s.records();
        p.loss = r.losses().getOrDefault("loss", Float.NaN);
        p.lr = r.lr();
        if (r.eval() != null) {
            p.ap = r.eval().stats()[0];
            p.ap50 = r.eval().stats()[1];
        }
        p.last = r.last();
        p.renderShare = s.clock().renderShare();
        p.checkpoint = java.nio.file.Path.of(s.spec().output(), "checkpoint").toString();
        return p;
    }

    @Override
    public void close() throws Exception {
        if (sessions != null) {
            for (StudentSession s : sessions.values()) {
                s.close();
            }
            sessions.clear();
        }
        super.close();
    }
}
