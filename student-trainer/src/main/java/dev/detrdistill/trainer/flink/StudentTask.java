package dev.detrdistill.trainer.flink;

import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;

/** One validated record for one student (the fan-out's output), with its teacher's card (small). */
public class StudentTask {
    public String student;
    public TeacherCard card;
    public TeacherRecord record;
    public String source;
    public int epoch;

    public StudentTask() {}

    public StudentTask(String student, TeacherCard card, TeacherRecord record, String source, int epoch) {
        this.student = student;
        this.card = card;
        this.record = record;
        this.source = source;
        this.epoch = epoch;
    }
}
