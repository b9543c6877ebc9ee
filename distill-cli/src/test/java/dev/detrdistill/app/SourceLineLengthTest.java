package dev.detrdistill.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Lines of at most 120 characters in every module's Java sources: the formatter (Spotless, palantir-java-format,
 * checked by the build) keeps code there but leaves comments and string literals alone.
 */
class SourceLineLengthTest {
    @Test
    void everyJavaLineFitsIn120Characters() throws Exception {
        List<String> long_ = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(Path.of(".."))) {
            for (Path p : s.filter(x -> x.toString().endsWith(".java"))
                    .filter(x -> x.toString().contains("/src/main/java/")
                            || x.toString().contains("/src/test/java/"))
                    .filter(x ->
                            !x.toString().contains("/target/") && !x.toString().contains("/runs/"))
                    .toList()) {
                files++;
                List<String> lines = Files.readAllLines(p);
                for (int i = 0; i < lines.size(); i++) {
                    if (lines.get(i).length() > 120) {
                        long_.add(p + ":" + (i + 1) + " has " + lines.get(i).length() + " characters");
                    }
                }
            }
        }
        assertTrue(files > 100, "sources found: " + files);
        assertEquals(List.of(), long_);
    }
}
