package dev.detrdistill.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Says what does exist next to a file that does not, so a misspelt name is easy to fix. */
public final class NearbyFiles {
    private static final int MAX_LISTED = 20;

    private NearbyFiles() {}

    /** E.g. {@code "; runs/x holds: a.yaml, b.yaml"}, or that the folder itself is missing. */
    public static String describe(Path missing, String suffix) {
        Path dir = missing.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return "; the folder " + (dir == null ? missing : dir) + " does not exist either";
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(suffix))
                    .sorted()
                    .toList();
            if (names.isEmpty()) {
                return "; " + dir + " holds no " + suffix + " files";
            }
            String listed = String.join(", ", names.subList(0, Math.min(MAX_LISTED, names.size())));
            return "; " + dir + " holds: " + listed + (names.size() > MAX_LISTED ? ", ..." : "");
        } catch (IOException e) {
            return "";
        }
    }
}
