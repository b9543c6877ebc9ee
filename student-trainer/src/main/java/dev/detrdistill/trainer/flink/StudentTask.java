package dev.detrdistill.trainer.flink;

import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;

/** One validated record for one student (the fan-out's output), with its teacher's card (small). */
public class StudentTask {
    public String student;
    public TeacherCard card;
    public TeacherRecord record;
    /** Where the record came from: for dead letters and logs. */
    public String topic;

    public int partition;
    public long offset;
    public int epoch;

    public StudentTask() {}

    public StudentTask(String student, TeacherCard card, TeacherRecord record, RawKafkaRecord source) {
        this.student = student;
        this.card = card;
        this.record = record;
        this.topic = source.topic;
        this.partition = source.partition;
        this.offset = source.offset;
        this.epoch = source.epoch;
    }

    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }
}
