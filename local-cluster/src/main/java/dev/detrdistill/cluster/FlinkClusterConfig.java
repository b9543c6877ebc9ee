package dev.detrdistill.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigurationUtils;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;

/**
 * The local cluster's {@code config.yaml}, from Flink's typed options: what a cluster owns (checkpoint storage,
 * restart strategy, state backend, memory, slots, metrics) is set here, once, for every job on it.
 */
public final class FlinkClusterConfig {
    /** Prometheus reporter ports: the JobManager takes the first free one, each TaskManager the next. */
    public static final String PROMETHEUS_PORTS = "9250-9260";

    private FlinkClusterConfig() {}

    public static Configuration of(ClusterLayout layout) {
        Configuration c = new Configuration();
        // Loopback only: REST, RPC, blob and data ports have no authentication here.
        c.set(JobManagerOptions.ADDRESS, ClusterLayout.HOST);
        c.set(JobManagerOptions.BIND_HOST, ClusterLayout.HOST);
        c.set(JobManagerOptions.PORT, layout.rpcPort());
        c.set(RestOptions.ADDRESS, ClusterLayout.HOST);
        c.set(RestOptions.BIND_ADDRESS, ClusterLayout.HOST);
        c.set(RestOptions.PORT, layout.restPort());
        c.set(TaskManagerOptions.HOST, ClusterLayout.HOST);
        c.set(TaskManagerOptions.BIND_HOST, ClusterLayout.HOST);
        c.set(TaskManagerOptions.NUM_TASK_SLOTS, layout.slots());
        // Spread a job's subtasks over the TaskManagers instead of filling one first.
        c.set(TaskManagerOptions.TASK_MANAGER_LOAD_BALANCE_MODE, TaskManagerOptions.TaskManagerLoadBalanceMode.SLOTS);
        // Memory for a small machine; libtorch allocates natively, outside what Flink budgets (JVM overhead).
        c.set(JobManagerOptions.TOTAL_PROCESS_MEMORY, MemorySize.parse("768m"));
        c.set(TaskManagerOptions.TOTAL_PROCESS_MEMORY, MemorySize.parse("1536m"));
        c.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("64m"));
        c.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.parse("64m"));
        c.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.parse("64m"));
        // DJL and libtorch come from the cluster's class path: a native library loads in one class loader per JVM.
        c.set(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL, List.of("ai.djl."));
        // What bin/flink and the start scripts would pass to every Flink JVM (LocalCluster passes it itself).
        c.set(CoreOptions.FLINK_JVM_OPTIONS, String.join(" ", FlinkJvm.MODULE_OPTIONS));
        c.set(StateBackendOptions.STATE_BACKEND, "hashmap");
        c.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                layout.checkpoints().toUri().toString());
        c.set(
                CheckpointingOptions.SAVEPOINT_DIRECTORY,
                layout.home().resolve("flink/savepoints").toUri().toString());
        c.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, Duration.ofSeconds(1));
        c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, Duration.ofSeconds(30));
        // The REST API's view of a job is at most half a second old (Flink caches it for 3 s by default).
        c.set(WebOptions.REFRESH_INTERVAL, Duration.ofMillis(500));
        // Notice a lost TaskManager or JobManager within seconds (Flink's default waits 50 s).
        c.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(2));
        c.set(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT, Duration.ofSeconds(10));
        // No high availability: a restarted JobManager has forgotten its jobs (docs/operations.md says what to do).
        c.set(HighAvailabilityOptions.HA_MODE, "NONE");
        c.set(
                ConfigOptions.key("metrics.reporter.prom.factory.class")
                        .stringType()
                        .noDefaultValue(),
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        c.set(ConfigOptions.key("metrics.reporter.prom.port").stringType().noDefaultValue(), PROMETHEUS_PORTS);
        return c;
    }

    /** Writes {@code conf/config.yaml} for the layout. */
    public static void write(ClusterLayout layout) throws IOException {
        Files.createDirectories(layout.conf());
        List<String> lines = ConfigurationUtils.convertConfigToWritableLines(of(layout), false);
        Files.write(layout.conf().resolve("config.yaml"), lines);
    }
}
