package dev.detrdistill.trainer.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.trainer.TeacherFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.PartitionTransformation;
import org.apache.flink.streaming.api.transformations.SideOutputTransformation;
import org.apache.flink.streaming.api.transformations.UnionTransformation;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job's graph: every operator has a fixed uid, so a checkpoint restores into a changed build of the job. */
class JobGraphTest {
    @TempDir
    Path tmp;

    @Test
    void everyOperatorHasAFixedUid() {
        StudentTrainerJob job = StudentTrainerJob.builder()
                .serdes(RecordSerdes.of("localhost:1", "http://localhost:2"))
                .topic("t")
                .students(List.of(TeacherFixture.student("s", true, 4, tmp, null)))
                .checkpointDir(tmp.resolve("c"))
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        TopicPartition p = new TopicPartition("t", 0);
        job.build(env, new ReplayPlan(Map.of(p, 0L), Map.of(p, 10L)), Map.of("s", 1));
        List<String> missing = new ArrayList<>();
        int operators = 0;
        for (Transformation<?> t : all(env.getTransformations())) {
            if (t instanceof PartitionTransformation
                    || t instanceof SideOutputTransformation
                    || t instanceof UnionTransformation) {
                continue; // not operators: nothing to restore
            }
            operators++;
            if (t.getUid() == null) {
                missing.add(t.getName());
            }
        }
        assertTrue(operators >= 8, "operators found: " + operators);
        assertEquals(List.of(), missing, "operators without a uid");
    }

    private static List<Transformation<?>> all(List<Transformation<?>> roots) {
        List<Transformation<?>> out = new ArrayList<>();
        List<Transformation<?>> todo = new ArrayList<>(roots);
        while (!todo.isEmpty()) {
            Transformation<?> t = todo.remove(todo.size() - 1);
            if (!out.contains(t)) {
                out.add(t);
                todo.addAll(t.getInputs());
            }
        }
        return out;
    }
}
