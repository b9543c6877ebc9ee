package dev.detrdistill.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Guards an output folder against silent overwrites: a folder that already holds a run (its metrics,
 * checkpoint, summary or report) is refused unless the user continues it or asks to start again, in
 * which case those files are removed first (metrics would otherwise be appended to).
 */
public final class RunFolder {
    /** What a finished or started run leaves behind. */
    public static final List<String> RUN_FILES = List.of("metrics.jsonl", "checkpoint", "summary.json", "report.html");

    private RunFolder() {}

    /** The run files present in {@code dir}. */
    public static List<String> runFiles(Path dir) {
        return present(dir, RUN_FILES);
    }

    private static List<String> present(Path dir, List<String> names) {
        List<String> found = new ArrayList<>();
        for (String name : names) {
            if (Files.exists(dir.resolve(name))) {
                found.add(name);
            }
        }
        return found;
    }

    /**
     * @param continuing the command continues the run in the folder (e.g. {@code --resume})
     * @param overwrite the user asked to start again ({@code --overwrite})
     * @param option the command's option that names the folder, for the message
     * @return the names deleted for {@code overwrite} (empty when nothing was there or the run continues)
     * @throws IllegalArgumentException when the folder holds a run and neither flag is set
     */
    public static List<String> claim(
            Path dir, boolean continuing, boolean overwrite, String option, String continueHint) {
        return claim(dir, RUN_FILES, continuing, overwrite, option, continueHint);
    }

    /** As above for a command whose runs leave {@code names} in the folder (the rest of the folder is kept). */
    public static List<String> claim(
            Path dir, List<String> names, boolean continuing, boolean overwrite, String option, String continueHint) {
        List<String> found = present(dir, names);
        if (found.isEmpty() || continuing) {
            return List.of();
        }
        if (!overwrite) {
            throw new IllegalArgumentException(
                    option + " " + dir + " already holds a run (" + String.join(", ", found) + "). " + continueHint
                            + "add --overwrite to start again there (those files are deleted), or choose another "
                            + option + ".");
        }
        for (String name : found) {
            deleteTree(dir.resolve(name));
        }
        return found;
    }

    /** Deletes a file, or a folder with everything in it; nothing when it does not exist. */
    public static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p + ": " + e.getMessage(), e);
        }
    }
}
