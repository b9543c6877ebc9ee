package dev.detrdistill.trainer.flink;

import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.stream.RecordKeys;
import dev.detrdistill.trainer.BadRecordException;
import dev.detrdistill.trainer.CardValidator;
import dev.detrdistill.trainer.RecordValidator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Admits teacher records: decodes the wire format, finds the teacher's card (broadcast state, or the
 * cards topic when the record overtook its card), checks the record against it, and fans it out to
 * every student. Whatever fails goes to the dead-letter output with the reason; the job goes on.
 */
final class RecordIntake extends BroadcastProcessFunction<RawKafkaRecord, TeacherCard, StudentTask>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    static final MapStateDescriptor<String, TeacherCard> CARDS =
            new MapStateDescriptor<>("teacher-cards", Types.STRING, new AvroTypeInfo<>(TeacherCard.class));
    static final String NO_CARD = "no teacher card";

    private final ConfluentAvroDecoder<TeacherRecord> decoder;
    private final CardLookup lookup;
    private final List<String> students;
    private final boolean live;

    /** Records held for their card, at most this many (beyond it the oldest becomes a dead letter). */
    static final int MAX_HELD = 10_000;
    /** How long a record waits for its card before it becomes a dead letter. */
    static final long HOLD_MS = 10 * 60_000;

    private transient ListState<RawKafkaRecord> heldState;
    private transient List<RawKafkaRecord> held;
    private transient DeadLetterCounter deadLetters;
    private transient Map<String, TeacherCard> looked;
    /** When the cards topic was last read for a missing card (0: never). */
    private transient long lastScanMs;

    /** How long a scan of the cards topic answers for missing cards before the next one. */
    static final long RESCAN_MS = 5_000;

    RecordIntake(ConfluentAvroDecoder<TeacherRecord> decoder, CardLookup lookup, List<String> students) {
        this(decoder, lookup, students, false);
    }

    /**
     * @param live hold records whose card has not arrived yet (the card may be on its way), instead of refusing them
     */
    RecordIntake(ConfluentAvroDecoder<TeacherRecord> decoder, CardLookup lookup, List<String> students, boolean live) {
        this.decoder = decoder;
        this.lookup = lookup;
        this.students = List.copyOf(students);
        this.live = live;
    }

    @Override
    public void open(OpenContext context) {
        AvroTrust.trustRecordClasses();
        deadLetters = new DeadLetterCounter(getRuntimeContext());
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        heldState.update(held);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        heldState = context.getOperatorStateStore()
                .getListState(
                        new ListStateDescriptor<>("records-awaiting-card", TypeInformation.of(RawKafkaRecord.class)));
        held = new ArrayList<>();
        for (RawKafkaRecord r : heldState.get()) {
            held.add(r);
        }
    }

    @Override
    public void processElement(RawKafkaRecord raw, ReadOnlyContext ctx, Collector<StudentTask> out) throws Exception {
        expireHeld(ctx);
        admit(raw, ctx.getBroadcastState(CARDS), (tag, letter) -> ctx.output(tag, letter), out, true);
    }

    /** Records that waited longer than {@link #HOLD_MS}, or beyond {@link #MAX_HELD}, become dead letters. */
    private void expireHeld(ReadOnlyContext ctx) {
        long now = System.currentTimeMillis();
        while (!held.isEmpty() && (held.size() > MAX_HELD || now - held.get(0).heldSinceMs > HOLD_MS)) {
            RawKafkaRecord r = held.remove(0);
            ctx.output(
                    RefusedRecord.TAG,
                    deadLetters.count(RefusedRecord.of(
                            r,
                            "intake",
                            NO_CARD,
                            r.coordinates() + " waited " + (now - r.heldSinceMs) / 1000 + " s for its teacher card")));
        }
    }

    /**
     * Decodes, finds the card, validates and fans out; without a card, a live job holds the record (when {@code
     * mayHold})
     * and a replay refuses it.
     */
    private void admit(
            RawKafkaRecord raw,
            ReadOnlyBroadcastState<String, TeacherCard> cards,
            java.util.function.BiConsumer<org.apache.flink.util.OutputTag<RefusedRecord>, RefusedRecord> side,
            Collector<StudentTask> out,
            boolean mayHold)
            throws Exception {
        try {
            TeacherRecord r = decoder.decode(raw.value);
            String cardKey = RecordKeys.card(r.getTeacherId().toString(), r.getTeacherVersion());
            TeacherCard card = live ? cards.get(cardKey) : card(cardKey, cards);
            if (card == null && live) {
                if (mayHold) {
                    raw.heldSinceMs = System.currentTimeMillis();
                    held.add(raw); // released when the card arrives on the broadcast side
                    return;
                }
                throw new BadRecordException(NO_CARD, "no TeacherCard for teacher " + cardKey);
            }
            CardValidator.check(card);
            RecordValidator.check(r, card);
            for (String student : students) {
                out.collect(new StudentTask(student, card, r, raw));
            }
        } catch (BadRecordException e) {
            side.accept(
                    RefusedRecord.TAG,
                    deadLetters.count(
                            RefusedRecord.of(raw, "intake", e.reason(), raw.coordinates() + " " + e.getMessage())));
        } catch (RuntimeException e) {
            // Whatever else a record can make intake throw is that record's problem, never the job's.
            side.accept(
                    RefusedRecord.TAG,
                    deadLetters.count(
                            RefusedRecord.of(raw, "intake", "unexpected error", raw.coordinates() + " " + e)));
        }
    }

    private TeacherCard card(String key, ReadOnlyBroadcastState<String, TeacherCard> state) throws Exception {
        TeacherCard card = state.get(key);
        if (card == null && looked != null) {
            card = looked.get(key);
        }
        long now = System.currentTimeMillis();
        if (card == null && now - lastScanMs >= RESCAN_MS) {
            // The record overtook its card: read the cards topic directly, at most once per RESCAN_MS, so a stream of
            // records without a card costs one scan, not one per record.
            looked = lookup.readAll();
            lastScanMs = now;
            card = looked.get(key);
        }
        if (card == null) {
            throw new BadRecordException(
                    NO_CARD,
                    "no TeacherCard for teacher " + key + " on the cards topic; publish the card "
                            + "(the producer does) before its records");
        }
        return card;
    }

    @Override
    public void processBroadcastElement(TeacherCard card, Context ctx, Collector<StudentTask> out) throws Exception {
        ctx.getBroadcastState(CARDS).put(CardLookup.cardKey(card), card);
        if (!held.isEmpty()) {
            // The card of held records has arrived: admit them now, in arrival order.
            List<RawKafkaRecord> waiting = new ArrayList<>(held);
            held.clear();
            for (RawKafkaRecord r : waiting) {
                admit(r, ctx.getBroadcastState(CARDS), (tag, letter) -> ctx.output(tag, letter), out, true);
            }
        }
    }
}
