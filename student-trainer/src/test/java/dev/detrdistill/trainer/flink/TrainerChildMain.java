package dev.detrdistill.trainer.flink;

import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.trainer.TeacherFixture;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The trainer of the kill drill, in its own JVM: one distilled student at batch 1, one epoch, checkpoints every
 * 300 ms. Args: bootstrap servers, registry URL, topic, output folder, checkpoint folder.
 */
public final class TrainerChildMain {
    private TrainerChildMain() {}

    static StudentTrainerJob.Builder job(RecordSerdes serdes, String topic, Path out, Path checkpoints) {
        return StudentTrainerJob.builder()
                .serdes(serdes)
                .topic(topic)
                .students(List.of(TeacherFixture.student("s", true, 1, out, null)))
                .epochs(1)
                .checkpointInterval(Duration.ofMillis(300))
                .unalignedCheckpoints(true)
                .checkpointDir(checkpoints)
                .log(new PrintStream(OutputStream.nullOutputStream()));
    }

    public static void main(String[] args) throws Exception {
        AvroTrust.trustRecordClasses();
        job(RecordSerdes.of(args[0], args[1]), args[2], Path.of(args[3]), Path.of(args[4]))
                .build()
                .run();
    }
}
