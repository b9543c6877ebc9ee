package dev.detrdistill.producer.cli;

import dev.detrdistill.cli.DistillCli;
import picocli.CommandLine;

/** {@code ./distill} with the streaming commands added: produce, inspect, stack. */
public final class ProducerMain {
    private ProducerMain() {}

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new DistillCli());
        cli.getSubcommands().get("bench").addSubcommand(new ProducerBench());
        return cli
                .addSubcommand(new ProduceCommand())
                .addSubcommand(new InspectCommand())
                .addSubcommand(new StackCommand());
    }

    public static void main(String[] args) {
        System.exit(DistillCli.execute(commandLine(), args));
    }
}
