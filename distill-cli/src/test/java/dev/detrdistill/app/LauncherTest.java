package dev.detrdistill.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./distill} says clearly when Java is missing or too old, before building anything. */
class LauncherTest {
    private static final Path LAUNCHER =
            Path.of("..", "distill").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private static String[] run(Map<String, String> env) throws Exception {
        ProcessBuilder pb =
                new ProcessBuilder(List.of("/bin/bash", LAUNCHER.toString(), "--help")).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new String[] {String.valueOf(p.waitFor()), out};
    }

    @Test
    void noJavaAnywhereIsNamed() throws Exception {
        String[] r = run(Map.of("PATH", tmp.toString()));
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("no Java found") && r[1].contains("JAVA_HOME"), r[1]);
    }

    @Test
    void aJavaOlderThan17IsRefused() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("jdk11/bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/bash\necho 'openjdk version \"11.0.22\" 2024-01-16' >&2\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        String[] r = run(Map.of(
                "PATH", "/usr/bin:/bin", "JAVA_HOME", tmp.resolve("jdk11").toString()));
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("Java 11.0.22") && r[1].contains("17 or newer"), r[1]);
    }
}
