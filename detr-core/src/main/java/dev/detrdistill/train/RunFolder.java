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
        List<String> found = new ArrayList<>();
        for (String name : RUN_FILES) {
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
     * @throws IllegalArgumentException when the folder holds a run and neither flag is set
     */
    public static void claim(Path dir, boolean continuing, boolean overwrite, String option, String continueHint) {
        List<String> found = runFiles(dir);
        if (found.isEmpty() || continuing) {
            return;
        }
        if (!overwrite) {
            throw new IllegalArgumentException(option + " " + dir + " already holds a run (" + String.join(", ", found) + "). "
                    + continueHint + "add --overwrite to start again there (those files are deleted), or choose another " + option + ".");
        }
        for (String name : found) {
            delete(dir.resolve(name));
        }
    }

    private static void delete(Path p) {
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p + " for --overwrite: " + e.getMessage(), e);
        }
    }
}
