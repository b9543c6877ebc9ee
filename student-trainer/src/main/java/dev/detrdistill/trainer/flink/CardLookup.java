package dev.detrdistill.trainer.flink;

import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.stream.RecordKeys;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.stream.TopicScan;
import dev.detrdistill.stream.Topics;
import dev.detrdistill.trainer.BadRecordException;
import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads the compacted cards topic directly, to the end: the fallback when a record arrives before its
 * card reached the broadcast state (the two topics are read independently, so that can happen).
 */
final class CardLookup implements Serializable {
    private static final long serialVersionUID = 1L;
    private final RecordSerdes serdes;
    private final String recordsTopic;
    private final ConfluentAvroDecoder<TeacherCard> decoder;

    CardLookup(RecordSerdes serdes, String recordsTopic) {
        this.serdes = serdes;
        this.recordsTopic = recordsTopic;
        this.decoder = new ConfluentAvroDecoder<>(serdes.registryUrl(), TeacherCard.class, serdes.registryAccess());
    }

    /** Every decodable card on the topic now, by key {@code teacherId/version}. */
    Map<String, TeacherCard> readAll() {
        String topic = Topics.cardsTopic(recordsTopic);
        Map<String, TeacherCard> cards = new HashMap<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(serdes.rawConsumer("detrdistill-card-lookup"))) {
            TopicScan.open(c, topic, Duration.ofSeconds(30)).forEach(Duration.ofSeconds(30), r -> {
                try {
                    TeacherCard card = decoder.decode(r.value());
                    cards.put(cardKey(card), card);
                } catch (BadRecordException e) {
                    // the cards stream's own decoder reports bad cards as dead letters; skip here
                }
            });
        }
        return cards;
    }

    static String cardKey(TeacherCard c) {
        return RecordKeys.card(c.getTeacherId().toString(), c.getTeacherVersion());
    }
}
