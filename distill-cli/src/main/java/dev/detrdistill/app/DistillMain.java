package dev.detrdistill.app;

import dev.detrdistill.app.bench.FleetBench;
import dev.detrdistill.app.demo.DemoCommand;
import dev.detrdistill.app.producer.InspectCommand;
import dev.detrdistill.app.producer.ProduceCommand;
import dev.detrdistill.app.producer.ProducerBench;
import dev.detrdistill.app.producer.StackCommand;
import dev.detrdistill.cli.CommandLines;
import dev.detrdistill.trainer.cli.TrainerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./distill}: every command of the project under one root. */
@Command(
        name = "distill",
        mixinStandardHelpOptions = true,
        version = "distill 0.1.0",
        description =
                "Distil DETR-family detectors (DETRDistill): train, evaluate, stream a teacher, train students with "
                        + "Flink.",
        subcommands = {
            TrainCommand.class,
            EvalCommand.class,
            DetectCommand.class,
            DataCommand.class,
            BenchCommand.class,
            ProduceCommand.class,
            InspectCommand.class,
            StackCommand.class,
            dev.detrdistill.app.cluster.ClusterCommand.class,
            dev.detrdistill.app.backbone.BackboneCommand.class,
            TrainerCommand.class,
            DemoCommand.class,
            CommandLine.HelpCommand.class
        })
public final class DistillMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new DistillMain());
        CommandLine bench = cli.getSubcommands().get("bench");
        bench.addSubcommand(new ProducerBench());
        bench.addSubcommand(new FleetBench());
        bench.addSubcommand(new dev.detrdistill.app.demo.AblationBench());
        return cli;
    }

    public static void main(String[] args) {
        System.exit(CommandLines.execute(commandLine(), args));
    }
}
