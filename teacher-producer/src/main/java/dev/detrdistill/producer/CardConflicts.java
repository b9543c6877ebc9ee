package dev.detrdistill.producer;

import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.stream.RecordKeys;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.stream.TopicScan;
import dev.detrdistill.stream.Topics;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * A teacher version has one card forever: a re-run with the same card goes on (its records are skipped or filled
 * in), a different card under an existing version is refused before anything is published, because records of two
 * different teachers under one key would silently mix.
 */
final class CardConflicts {
    private CardConflicts() {}

    static void refuseADifferentCard(RecordSerdes serdes, String topic, TeacherCard card) {
        String key = RecordKeys.card(card.getTeacherId().toString(), card.getTeacherVersion());
        TeacherCard existing = latest(serdes, Topics.cardsTopic(topic), key);
        if (existing == null || sameTeacher(existing, card)) {
            return;
        }
        throw new IllegalStateException("teacher " + key + " already has a different card on "
                + Topics.cardsTopic(topic)
                + " (published " + Instant.ofEpochMilli(existing.getCreatedAtMs()) + "; " + difference(existing, card)
                + "): a retrained or changed teacher needs a new --teacher-version");
    }

    /** Everything but the publication time. */
    static boolean sameTeacher(TeacherCard a, TeacherCard b) {
        TeacherCard x = TeacherCard.newBuilder(a).setCreatedAtMs(0).build();
        TeacherCard y = TeacherCard.newBuilder(b).setCreatedAtMs(0).build();
        return x.equals(y);
    }

    private static String difference(TeacherCard a, TeacherCard b) {
        for (var f : TeacherCard.getClassSchema().getFields()) {
            if (f.name().equals("createdAtMs")) {
                continue;
            }
            if (!java.util.Objects.equals(a.get(f.pos()), b.get(f.pos()))) {
                return f.name() + " differs";
            }
        }
        return "the cards differ";
    }

    private static TeacherCard latest(RecordSerdes serdes, String cardsTopic, String key) {
        TeacherCard[] found = {null};
        try (KafkaConsumer<String, Object> c =
                new KafkaConsumer<>(serdes.consumer("card-check-" + System.nanoTime()))) {
            TopicScan.open(c, cardsTopic, Duration.ofSeconds(60)).forEach(Duration.ofSeconds(30), r -> {
                if (key.equals(r.key()) && r.value() instanceof TeacherCard card) {
                    found[0] = card;
                }
            });
        }
        return found[0];
    }
}
