package dev.detrdistill.trainer.cli;

import dev.detrdistill.cli.CommandLines;
import picocli.CommandLine;

/**
 * The job jar's entry point: {@code flink run detrdistill-trainer-job.jar --topic ... --student ...}. The same
 * options as {@code ./distill trainer}, but the cluster's configuration decides what no flag asks for (checkpoint
 * interval and storage, restart strategy, parallelism, state backend, memory), and a failure is thrown for the
 * cluster to report instead of ending the JVM: under {@code flink run} that JVM is Flink's client or JobManager.
 */
public final class TrainerJobMain {
    private TrainerJobMain() {}

    public static void main(String[] args) {
        int code = CommandLines.execute(new CommandLine(new TrainerCommand(true)), args);
        if (code != 0) {
            throw new IllegalStateException("the trainer job failed (exit code " + code + "); its error is above");
        }
    }
}
