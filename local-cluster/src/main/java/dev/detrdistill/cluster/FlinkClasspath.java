package dev.detrdistill.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the cluster's own files are: the class path of the Flink JVMs (Flink's "lib/", written by the local-cluster
 * build to {@code local-cluster/target/flink-classpath.txt}) and the trainer's job jar ({@code mvn package} writes
 * {@code student-trainer/target/detrdistill-trainer-job.jar}). {@code ./distill} passes both as system properties.
 */
public final class FlinkClasspath {
    public static final String CLASSPATH_PROPERTY = "detrdistill.cluster.classpath";
    public static final String JOB_JAR_PROPERTY = "detrdistill.cluster.jobjar";

    private FlinkClasspath() {}

    /** The Flink JVMs' class path. */
    public static String classpath() throws IOException {
        Path file = locate(
                CLASSPATH_PROPERTY,
                "local-cluster/target/flink-classpath.txt",
                "mvn -pl local-cluster -am package -DskipTests");
        return Files.readString(file).trim();
    }

    /** The trainer's job jar, as a user would submit it. */
    public static Path jobJar() throws IOException {
        return locate(
                JOB_JAR_PROPERTY,
                "student-trainer/target/detrdistill-trainer-job.jar",
                "mvn -pl student-trainer -am package -DskipTests");
    }

    private static Path locate(String property, String relative, String build) throws IOException {
        List<Path> candidates = new ArrayList<>();
        String configured = System.getProperty(property);
        if (configured != null) {
            candidates.add(Path.of(configured));
        }
        candidates.add(Path.of(relative));
        candidates.add(Path.of("..").resolve(relative));
        for (Path c : candidates) {
            if (Files.isRegularFile(c)) {
                return c.toAbsolutePath().normalize();
            }
        }
        throw new IOException("not built: looked for " + candidates + "; run '" + build + "'");
    }
}
