package dev.detrdistill.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flink's own command line ({@code CliFrontend}, what {@code bin/flink} runs) against the local cluster: its own JVM,
 * the cluster's class path and {@code FLINK_CONF_DIR}. {@code run} uploads the job jar and submits its job graph
 * through the JobManager's REST API, exactly as on a production cluster.
 */
public final class FlinkCli {
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");

    private final ClusterLayout layout;

    public FlinkCli(ClusterLayout layout) {
        this.layout = layout;
    }

    /** The outcome of one CLI call. */
    public record Result(int exitCode, String output) {
        /** The job id a {@code run} printed; a clear error when it printed none. */
        public String jobId() {
            Matcher m = JOB_ID.matcher(output);
            if (!m.find()) {
                throw new IllegalStateException("flink run printed no job id (exit " + exitCode + "):\n" + output);
            }
            return m.group(1);
        }
    }

    /** Runs {@code flink <args>} and waits for it ({@code run -d} returns once the job is submitted). */
    public Result run(List<String> args, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = start(args, ProcessBuilder.Redirect.PIPE);
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("flink " + String.join(" ", args) + " did not end within " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Runs {@code flink <args>} with this process's console (the {@code ./distill cluster flink} command). */
    public int runInteractive(List<String> args) throws IOException, InterruptedException {
        return start(args, ProcessBuilder.Redirect.INHERIT).waitFor();
    }

    private Process start(List<String> args, ProcessBuilder.Redirect out) throws IOException {
        List<String> cmd = FlinkJvm.command();
        cmd.addAll(List.of("-Xmx512m", "-cp", FlinkClasspath.classpath(), "org.apache.flink.client.cli.CliFrontend"));
        cmd.addAll(args);
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out);
        b.environment().put("FLINK_CONF_DIR", layout.conf().toString());
        b.environment().put("DJL_OFFLINE", "true");
        return b.start();
    }
}
