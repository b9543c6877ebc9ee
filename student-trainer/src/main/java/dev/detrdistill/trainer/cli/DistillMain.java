package dev.detrdistill.trainer.cli;

import dev.detrdistill.cli.DistillCli;
import dev.detrdistill.producer.cli.ProducerMain;
import picocli.CommandLine;

/** {@code ./distill}: every command, the student trainer included. */
public final class DistillMain {
    private DistillMain() {}

    public static CommandLine commandLine() {
        CommandLine cli = ProducerMain.commandLine().addSubcommand(new TrainerCommand()).addSubcommand(new dev.detrdistill.trainer.demo.DemoCommand());
        cli.getSubcommands().get("bench").addSubcommand(new dev.detrdistill.trainer.bench.FleetBench());
        return cli;
    }

    public static void main(String[] args) {
        System.exit(DistillCli.execute(commandLine(), args));
    }
}
