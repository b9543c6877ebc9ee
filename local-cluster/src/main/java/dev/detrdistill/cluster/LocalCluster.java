package dev.detrdistill.cluster;

import dev.detrdistill.stack.EmbeddedRegistry;
import dev.detrdistill.stack.StandaloneBroker;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A real cluster on this machine, one JVM per service, all on loopback: a KRaft Kafka broker, the schema registry
 * (H2 storage: ids survive restarts), a Flink JobManager ({@code StandaloneSessionClusterEntrypoint}) and
 * TaskManagers ({@code TaskManagerRunner}), with Flink's JVM and memory parameters computed as Flink's own start
 * scripts compute them. Jobs are submitted with Flink's CLI ({@link FlinkCli}), as on any cluster.
 */
public final class LocalCluster {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final ClusterLayout layout;
    private final ClusterProcesses processes;
    private final PrintStream log;

    public LocalCluster(ClusterLayout layout, PrintStream log) {
        this.layout = layout;
        this.processes = new ClusterProcesses(layout);
        this.log = log;
    }

    public ClusterLayout layout() {
        return layout;
    }

    public ClusterProcesses processes() {
        return processes;
    }

    public FlinkRest rest() {
        return new FlinkRest(layout.restUrl());
    }

    /** Starts every service that is not running yet and waits until each answers. */
    public void up() throws IOException, InterruptedException {
        layout.save();
        FlinkClusterConfig.write(layout);
        Files.createDirectories(layout.checkpoints());
        startBroker();
        startRegistry();
        startJobManager();
        for (int i = 1; i <= layout.taskManagers(); i++) {
            startTaskManager(i);
        }
        awaitTaskManagers(layout.taskManagers());
    }

    /** Stops every service (TaskManagers first, the broker last). */
    public void down() throws IOException, InterruptedException {
        List<String> names = new ArrayList<>();
        for (int i = layout.taskManagers(); i >= 1; i--) {
            names.add(taskManager(i));
        }
        names.addAll(List.of("jobmanager", "registry", "kafka"));
        for (String name : names) {
            if (processes.stop(name, STOP_GRACE)) {
                log.println("stopped " + name);
            }
        }
    }

    /** One line per service: running or not, and what it answers. */
    public List<String> status() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(line("kafka", layout.bootstrapServers()));
        lines.add(line("registry", layout.registryUrl() + "/apis/ccompat/v7"));
        var overview = rest().overviewOrNull();
        String flink = overview == null
                ? layout.restUrl() + " (not answering)"
                : layout.restUrl() + " (" + overview.path("taskmanagers").asInt() + " TaskManagers, "
                        + overview.path("slots-available").asInt() + "/"
                        + overview.path("slots-total").asInt()
                        + " slots free, " + overview.path("jobs-running").asInt() + " jobs running)";
        lines.add(line("jobmanager", flink));
        for (int i = 1; i <= layout.taskManagers(); i++) {
            lines.add(line(taskManager(i), "resource id " + taskManager(i)));
        }
        return lines;
    }

    public void startBroker() throws IOException, InterruptedException {
        if (processes.find("kafka").isPresent()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx512m", "-cp", System.getProperty("java.class.path")));
        cmd.addAll(List.of(
                StandaloneBroker.class.getName(),
                layout.kafkaData().toString(),
                String.valueOf(layout.brokerPort()),
                String.valueOf(layout.controllerPort())));
        long from = logSize("kafka");
        processes.start("kafka", cmd, Map.of());
        await("kafka", () -> logContains("kafka", from, "ready "));
        log.println("kafka      " + layout.bootstrapServers());
    }

    public void startRegistry() throws IOException, InterruptedException {
        if (processes.find("registry").isPresent()) {
            return;
        }
        processes.start("registry", EmbeddedRegistry.command(layout.registryPort(), layout.registryData()), Map.of());
        await("registry", () -> answers(layout.registryUrl() + "/apis/ccompat/v7/subjects"));
        log.println("registry   " + layout.registryUrl() + " (Confluent API: /apis/ccompat/v7)");
    }

    public void startJobManager() throws IOException, InterruptedException {
        if (processes.find("jobmanager").isPresent()) {
            return;
        }
        Configuration conf = FlinkClusterConfig.of(layout);
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(conf);
        List<String> cmd = FlinkJvm.command();
        cmd.addAll(split(JobManagerProcessUtils.generateJvmParametersStr(spec, conf)));
        cmd.addAll(List.of(
                "-cp",
                FlinkClasspath.classpath(),
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                "--configDir",
                layout.conf().toString()));
        cmd.addAll(split(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
        processes.start("jobmanager", cmd, Map.of());
        await("jobmanager", () -> rest().overviewOrNull() != null);
        log.println("jobmanager " + layout.restUrl() + " (web UI and REST API)");
    }

    /** Starts TaskManager {@code i} (1-based); its resource id is {@code taskmanager-i}. */
    public void startTaskManager(int i) throws IOException, InterruptedException {
        String name = taskManager(i);
        if (processes.find(name).isPresent()) {
            return;
        }
        Configuration conf = FlinkClusterConfig.of(layout);
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(conf);
        Path tmp = Files.createDirectories(layout.home().resolve("flink/tmp/" + name));
        List<String> cmd = FlinkJvm.command();
        cmd.addAll(split(ProcessMemoryUtils.generateJvmParametersStr(spec)));
        cmd.addAll(List.of(
                // What the trainer's tasks need from the JVM (DJL never downloads; Avro may build our records).
                "-Dai.djl.offline=true",
                // One libtorch thread per task: slots are the unit of CPU. With libtorch's default (a thread per
                // core in every TaskManager) two TaskManagers on two cores took about five times longer per step.
                "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.detrdistill.records",
                // Records may name images and claim checks under the folder the cluster was started from.
                "-Ddetrdistill.references.roots=" + System.getProperty("user.dir") + java.io.File.pathSeparator
                        + System.getProperty("java.io.tmpdir"),
                "-cp",
                FlinkClasspath.classpath(),
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                "--configDir",
                layout.conf().toString()));
        cmd.addAll(split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
        cmd.addAll(List.of("-D", TaskManagerOptions.TASK_MANAGER_RESOURCE_ID.key() + "=" + name));
        cmd.addAll(List.of("-D", "io.tmp.dirs=" + tmp));
        processes.start(name, cmd, Map.of("DJL_OFFLINE", "true", "OMP_NUM_THREADS", "1", "MKL_NUM_THREADS", "1"));
        log.println(name + " started (" + layout.slots() + " slots)");
    }

    /** Waits until {@code n} TaskManagers are registered with the JobManager. */
    public void awaitTaskManagers(int n) throws IOException, InterruptedException {
        await("taskmanagers", () -> {
            var o = rest().overviewOrNull();
            return o != null && o.path("taskmanagers").asInt() >= n;
        });
    }

    public static String taskManager(int i) {
        return "taskmanager-" + i;
    }

    private String line(String name, String what) throws IOException {
        var p = processes.find(name);
        return String.format("%-14s %-8s %s", name, p.isPresent() ? "running" : "stopped", p.isPresent() ? what : "");
    }

    private void await(String name, BooleanSupplier ready) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!ready.getAsBoolean()) {
            if (processes.find(name).isEmpty() && !name.equals("taskmanagers")) {
                throw new IOException(name + " exited while starting; see " + processes.log(name));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(
                        name + " did not come up within " + START_TIMEOUT.toSeconds() + " s; see " + layout.logs());
            }
            Thread.sleep(250);
        }
    }

    private long logSize(String name) throws IOException {
        Path f = processes.log(name);
        return Files.exists(f) ? Files.size(f) : 0;
    }

    private boolean logContains(String name, long from, String text) {
        try {
            byte[] all = Files.readAllBytes(processes.log(name));
            return new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from))
                    .contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean answers(String url) {
        try {
            HttpResponse<Void> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static List<String> split(String args) {
        return Arrays.stream(args.trim().split("\\s+"))
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
