package dev.detrdistill.trainer.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.trainer.TeacherFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Under {@code flink run} the cluster's settings win; the local MiniCluster gets them from the job. */
class ClusterSettingsTest {
    @TempDir
    Path tmp;

    private StudentTrainerJob.Builder job() {
        return StudentTrainerJob.builder()
                .serdes(RecordSerdes.of("localhost:1", "http://localhost:2"))
                .topic("t")
                .students(List.of(TeacherFixture.student("s", false, 4, tmp, null)));
    }

    @Test
    void onAClusterOnlyWhatAFlagAsksForIsSet() {
        Configuration bare = job().onCluster(true).build().configuration();
        assertFalse(bare.contains(RestartStrategyOptions.RESTART_STRATEGY), "restart strategy is the cluster's");
        assertFalse(bare.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL), "interval is the cluster's");
        assertFalse(bare.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY), "storage is the cluster's");
        assertFalse(bare.contains(CoreOptions.DEFAULT_PARALLELISM), "parallelism is the cluster's");
        assertFalse(bare.contains(StateBackendOptions.STATE_BACKEND), "state backend is the cluster's");
        assertFalse(bare.contains(TaskManagerOptions.NUM_TASK_SLOTS), "memory and slots are the cluster's");

        Configuration asked = job().onCluster(true)
                .parallelism(3)
                .checkpointInterval(Duration.ofSeconds(7))
                .checkpointStorage("s3://bucket/chk")
                .build()
                .configuration();
        assertEquals(3, asked.get(CoreOptions.DEFAULT_PARALLELISM));
        assertEquals(Duration.ofSeconds(7), asked.get(CheckpointingOptions.CHECKPOINTING_INTERVAL));
        assertEquals("s3://bucket/chk", asked.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY), "a URI, verbatim");
        assertFalse(asked.contains(RestartStrategyOptions.RESTART_STRATEGY));
    }

    @Test
    void aBarePathIsRefusedOnAClusterAndMadeAbsoluteLocally() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> job().onCluster(true).checkpointStorage("runs/chk").build());
        assertTrue(e.getMessage().contains("URI"), e.getMessage());

        Configuration local = job().checkpointStorage("runs/chk").build().configuration();
        String dir = local.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY);
        assertEquals(Path.of("runs/chk").toAbsolutePath().toUri().toString(), dir);
    }

    @Test
    void theLocalMiniClusterGetsWhatAClusterWouldOwn() {
        Configuration local = job().build().configuration();
        assertEquals("exponential-delay", local.get(RestartStrategyOptions.RESTART_STRATEGY));
        assertEquals(1, local.get(CoreOptions.DEFAULT_PARALLELISM));
        assertEquals(
                StudentTrainerJob.DEFAULT_CHECKPOINT_INTERVAL, local.get(CheckpointingOptions.CHECKPOINTING_INTERVAL));
        assertTrue(local.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY).startsWith("file:/"));
        assertEquals("hashmap", local.get(StateBackendOptions.STATE_BACKEND));
    }
}
