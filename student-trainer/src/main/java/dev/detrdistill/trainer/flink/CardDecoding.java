package dev.detrdistill.trainer.flink;

import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.trainer.BadRecordException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Decodes teacher cards for the broadcast state; an undecodable card is a dead letter. */
final class CardDecoding extends ProcessFunction<RawKafkaRecord, TeacherCard> {
    private static final long serialVersionUID = 1L;
    private final ConfluentAvroDecoder<TeacherCard> decoder;
    private transient DeadLetterCounter deadLetters;

    CardDecoding(ConfluentAvroDecoder<TeacherCard> decoder) {
        this.decoder = decoder;
    }

    @Override
    public void open(OpenContext context) {
        AvroTrust.trustRecordClasses();
        deadLetters = new DeadLetterCounter(getRuntimeContext());
    }

    @Override
    public void processElement(RawKafkaRecord raw, Context ctx, Collector<TeacherCard> out) {
        try {
            out.collect(decoder.decode(raw.value));
        } catch (BadRecordException e) {
            ctx.output(
                    RefusedRecord.TAG,
                    deadLetters.count(
                            RefusedRecord.of(raw, "cards", e.reason(), raw.coordinates() + " " + e.getMessage())));
        }
    }
}
