package dev.detrdistill.trainer.cli;

import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.trainer.StudentSpec;
import dev.detrdistill.trainer.StudentSpecs;
import dev.detrdistill.trainer.flink.FailureDrill;
import dev.detrdistill.trainer.flink.StartPosition;
import dev.detrdistill.trainer.flink.StudentTrainerJob;
import dev.detrdistill.trainer.flink.TrainerResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "trainer",
        mixinStandardHelpOptions = true,
        description = {
            "Train one or more students from a teacher's record stream with Flink (local MiniCluster by default; "
                    + "the same main class runs under 'flink run').",
            "Replays a fixed offset range for --epochs (bounded), or follows the topic with --live."
        })
public final class TrainerCommand implements Callable<Integer> {
    @Option(names = "--topic", required = true, description = "Teacher records topic (its cards are on <topic>.cards).")
    String topic;

    @Option(
            names = "--student",
            required = true,
            paramLabel = "<file.yaml>",
            description = "A student config (repeat for several students in one job). See docs/configuration.md.")
    List<Path> students;

    @Option(
            names = "--from",
            defaultValue = "earliest",
            paramLabel = "<earliest|latest|ms|ISO>",
            description =
                    "Where reading starts: earliest, latest (live only), epoch ms or an ISO-8601 instant. Default: "
                            + "${DEFAULT-VALUE}")
    String from;

    @Option(
            names = "--epochs",
            defaultValue = "1",
            description = "Replays of the offset range fixed at start (bounded). Default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(
            names = "--live",
            description = "Follow the topic without end (new records train as the teacher produces them).")
    boolean live;

    @picocli.CommandLine.Mixin
    dev.detrdistill.stream.StreamConnection stream;

    @Option(
            names = "--set",
            paramLabel = "<key=value>",
            description = "Override a training setting of every student by its key, e.g. --set lr=5e-4 (keys: "
                    + "docs/configuration.md).")
    List<String> sets;

    @Option(
            names = "--parallelism",
            description = "Subtasks of the training operator (students are spread over them by key). Default: 1 "
                    + "locally, the cluster's parallelism.default under flink run")
    Integer parallelism;

    @Option(
            names = "--checkpoint-interval",
            paramLabel = "<seconds>",
            description = "Flink checkpoint interval: student state and Kafka offsets together. Default: 30 locally; "
                    + "under flink run the cluster's (30 if it sets none)")
    Double checkpointSeconds;

    @Option(
            names = "--checkpoint-dir",
            paramLabel = "<uri|dir>",
            description = "Where Flink checkpoints go: a URI (file:///shared/chk, s3://bucket/chk, hdfs://...); a bare "
                    + "folder only locally. Default: runs/trainer/<job>/flink-checkpoints locally, the cluster's "
                    + "execution.checkpointing.dir under flink run")
    String checkpointDir;

    @Option(
            names = "--unaligned-checkpoints",
            description = "Checkpoints that do not wait for the records queued before the (slow) training operator: "
                    + "they store those records instead and complete within the interval.")
    boolean unalignedCheckpoints;

    @Option(
            names = "--resume-from",
            paramLabel = "<chk-dir>",
            description = "A retained Flink checkpoint (or savepoint) to continue from.")
    String resumeFrom;

    @Option(
            names = "--overwrite",
            description = "Start again in student output folders that already hold a run (their files are deleted).")
    boolean overwrite;

    @Option(
            names = "--job-name",
            description = "Flink job name (also the consumer group suffix). Default: detrdistill-<topic>-<random>")
    String jobName;

    @Option(
            names = "--drill-fail-at-step",
            defaultValue = "0",
            paramLabel = "<step>",
            description = "Recovery drill: fail the job once after this step and a completed checkpoint (0 = off). "
                    + "Default: ${DEFAULT-VALUE}")
    int drillStep;

    @picocli.CommandLine.Mixin
    dev.detrdistill.cli.DeviceOption device;

    private final boolean onCluster;

    /** The local command ({@code ./distill trainer}): runs its own MiniCluster. */
    public TrainerCommand() {
        this(false);
    }

    /** @param onCluster true under {@code flink run} ({@link TrainerJobMain}): the cluster's settings win */
    TrainerCommand(boolean onCluster) {
        this.onCluster = onCluster;
    }

    @Override
    public Integer call() throws Exception {
        AvroTrust.trustRecordClasses();
        List<StudentSpec> specs = StudentSpecs.load(students, sets);
        for (StudentSpec s : specs) {
            // Resuming a job continues its students' runs; anything else must not write over one silently.
            dev.detrdistill.train.RunFolder.claim(
                    Path.of(s.output()),
                    resumeFrom != null,
                    overwrite,
                    "student " + s.name() + " output",
                    "Add --resume-from <checkpoint> to continue its job, ");
        }
        StudentTrainerJob job = StudentTrainerJob.builder()
                .serdes(stream.serdes(
                        "the trainer reads a running broker and registry (start both with ./distill stack)"))
                .topic(topic)
                .students(specs)
                .from(StartPosition.parse(from))
                .epochs(epochs)
                .live(live)
                .onCluster(onCluster)
                .replicationFactor(stream.replicationFactor())
                .parallelism(parallelism)
                .checkpointInterval(
                        checkpointSeconds == null ? null : Duration.ofMillis((long) (checkpointSeconds * 1000)))
                .checkpointStorage(checkpointDir)
                .unalignedCheckpoints(unalignedCheckpoints)
                .resumeFrom(resumeFrom)
                .jobName(jobName)
                .device(device.text())
                .drill(drillStep > 0 ? new FailureDrill("cli-" + UUID.randomUUID(), drillStep) : FailureDrill.OFF)
                .build();
        TrainerResult result = job.run();
        System.out.print(result.table());
        return 0;
    }

    /** The local trainer as its own program (the job jar's entry point is {@link TrainerJobMain}). */
    public static void main(String[] args) {
        System.exit(dev.detrdistill.cli.CommandLines.execute(new picocli.CommandLine(new TrainerCommand()), args));
    }
}
