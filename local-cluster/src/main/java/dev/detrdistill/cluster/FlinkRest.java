package dev.detrdistill.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The few calls of Flink's REST API the cluster commands and drills need (JSON as Jackson trees). */
public final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public FlinkRest(String base) {
        this.base = base;
    }

    public JsonNode get(String path) throws IOException {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(base + path))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("GET " + base + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return JSON.readTree(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: GET " + base + path, e);
        }
    }

    /** The cluster overview ({@code taskmanagers}, {@code slots-total}, {@code jobs-running}, ...), or null if down. */
    public JsonNode overviewOrNull() {
        try {
            return get("/overview");
        } catch (IOException e) {
            return null;
        }
    }

    /** A job's state: CREATED, RUNNING, RESTARTING, FINISHED, FAILED, CANCELED, ... */
    public String jobState(String jobId) throws IOException {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** How many times the job has restarted so far (its failovers). */
    public long jobRestarts(String jobId) throws IOException {
        for (JsonNode m : get("/jobs/" + jobId + "/metrics?get=numRestarts")) {
            return m.path("value").asLong();
        }
        return 0;
    }

    /** The TaskManager id of each subtask of the job's vertex whose name contains {@code vertexName}. */
    public List<String> subtaskTaskManagers(String jobId, String vertexName) throws IOException {
        return subtasks(jobId, vertexName).stream().map(Subtask::taskManager).toList();
    }

    /** Which subtask, where it runs and in which state (RUNNING, FINISHED, ...). */
    public record Subtask(int index, String taskManager, String status) {}

    /** The subtasks of the job's vertex whose name contains {@code vertexName}. */
    public List<Subtask> subtasks(String jobId, String vertexName) throws IOException {
        for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
            if (v.path("name").asText().contains(vertexName)) {
                List<Subtask> out = new ArrayList<>();
                String path = "/jobs/" + jobId + "/vertices/" + v.path("id").asText();
                for (JsonNode s : get(path).path("subtasks")) {
                    out.add(new Subtask(
                            s.path("subtask").asInt(),
                            s.path("taskmanager-id").asText(),
                            s.path("status").asText()));
                }
                return out;
            }
        }
        throw new IOException("job " + jobId + " has no vertex named like '" + vertexName + "'");
    }
}
