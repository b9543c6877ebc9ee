package dev.detrdistill.trainer.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.trainer.StudentSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobExecutionResult;

/**
 * What a finished trainer job did: each student's summary, dead letters by reason, wall time. A job submitted
 * detached ({@code flink run -d}) has only its id: the cluster runs it on.
 */
public record TrainerResult(
        Map<String, JsonNode> students, Map<String, Long> deadLetters, double seconds, String detachedJobId) {

    public TrainerResult(Map<String, JsonNode> students, Map<String, Long> deadLetters, double seconds) {
        this(students, deadLetters, seconds, null);
    }

    /** A job handed to the cluster without waiting for it. */
    static TrainerResult submitted(String jobId, double seconds) {
        return new TrainerResult(Map.of(), Map.of(), seconds, jobId);
    }

    static TrainerResult of(JobExecutionResult result, List<StudentSpec> specs, double seconds) throws IOException {
        Map<String, Long> dead = new TreeMap<>();
        result.getAllAccumulatorResults().forEach((k, v) -> {
            if (k.startsWith(DeadLetterCounter.ACCUMULATOR_PREFIX)) {
                dead.put(k.substring(DeadLetterCounter.ACCUMULATOR_PREFIX.length()), ((Number) v).longValue());
            }
        });
        Map<String, JsonNode> students = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (StudentSpec s : specs) {
            Path file = Path.of(s.output(), "summary.json");
            if (Files.exists(file)) {
                students.put(s.name(), json.readTree(file.toFile()));
            }
        }
        return new TrainerResult(students, dead, seconds);
    }

    public long deadLetterCount() {
        return deadLetters.values().stream().mapToLong(Long::longValue).sum();
    }

    /** A table: student, steps, records, AP, AP50, checkpoint; then dead letters. */
    public String table() {
        if (detachedJobId != null) {
            return String.format(
                    Locale.ROOT,
                    "submitted job %s (detached): follow it with 'flink list' or the web UI; each student writes "
                            + "summary.json to its output folder when it ends%n",
                    detachedJobId);
        }
        StringBuilder b = new StringBuilder(String.format(
                Locale.ROOT, "%-16s %7s %8s %7s %7s  %s%n", "student", "steps", "records", "AP", "AP50", "checkpoint"));
        students.forEach((name, s) -> {
            JsonNode eval = s.get("eval");
            boolean has = eval != null && !eval.isNull();
            b.append(String.format(
                    Locale.ROOT,
                    "%-16s %7d %8d %7s %7s  %s%n",
                    name,
                    s.get("steps").asInt(),
                    s.get("records").asLong(),
                    has ? String.format(Locale.ROOT, "%.3f", eval.get("AP").asDouble()) : "-",
                    has ? String.format(Locale.ROOT, "%.3f", eval.get("AP50").asDouble()) : "-",
                    s.get("checkpoint").asText()));
        });
        b.append(String.format(
                Locale.ROOT, "dead letters: %d %s; wall time %.1f s%n", deadLetterCount(), deadLetters, seconds));
        return b.toString();
    }
}
