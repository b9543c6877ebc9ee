package dev.detrdistill.cli;

import picocli.CommandLine;

/** How every command line of the project runs: forgiving enum case, one-line errors, stack traces on request. */
public final class CommandLines {
    private CommandLines() {}

    /**
     * Enum values in any case ({@code fp16}, {@code FP16}) in every command; call after all subcommands are
     * added (picocli applies it to the subcommands present).
     */
    public static CommandLine forgiving(CommandLine commandLine) {
        return commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** Runs {@code commandLine} with our error reporting; returns the exit code. */
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
