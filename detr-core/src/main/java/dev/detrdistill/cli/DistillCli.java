package dev.detrdistill.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./distill}: one subcommand per job. */
@Command(name = "distill", mixinStandardHelpOptions = true, version = "distill 0.1.0",
        description = "Distil DETR-family detectors (DETRDistill): train, evaluate, benchmark.",
        subcommands = {TrainCommand.class, EvalCommand.class, DetectCommand.class, DataCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class DistillCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(new CommandLine(new DistillCli()), args));
    }

    /**
     * Enum values in any case ({@code fp16}, {@code FP16}) in every command; call after all subcommands are
     * added (picocli applies it to the subcommands present).
     */
    public static CommandLine forgiving(CommandLine commandLine) {
        return commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** Runs a command line built on {@link DistillCli} (modules add their subcommands) with our error reporting. */
    public static int execute(CommandLine commandLine, String[] args) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        return forgiving(commandLine)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                    if (System.getenv("DISTILL_DEBUG") != null) {
                        e.printStackTrace(cmd.getErr());
                    } else {
                        cmd.getErr().println("(set DISTILL_DEBUG=1 for the stack trace)");
                    }
                    return 1;
                })
                .execute(args);
    }
}
