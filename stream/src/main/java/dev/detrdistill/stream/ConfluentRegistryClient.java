package dev.detrdistill.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * The two calls of the Confluent Schema Registry REST API the producer and its checks make, for any registry that
 * speaks it (Confluent, Karapace, Redpanda, Apicurio's ccompat API): register a schema under a subject (its id comes
 * back; registering an existing schema returns its id) and read a schema by id. Both are cached.
 */
public final class ConfluentRegistryClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String root;
    private final RegistryAccess access;
    private final HttpClient http;
    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

    /** @param root the Confluent API root ({@link RegistryApi#confluentRoot}) */
    public ConfluentRegistryClient(String root, RegistryAccess access) {
        this.root = root.replaceAll("/+$", "");
        this.access = access;
        this.http = access.httpClient();
    }

    /** {@code POST /subjects/<subject>/versions}: the id of {@code schema} under {@code subject}. */
    public int register(String subject, Schema schema) {
        return ids.computeIfAbsent(subject + "\n" + schema, k -> {
            String body;
            try {
                body = JSON.writeValueAsString(Map.of("schema", schema.toString()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            JsonNode r = send(
                    HttpRequest.newBuilder(URI.create(root + "/subjects/"
                                    + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions"))
                            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)),
                    "registering " + schema.getFullName() + " under subject " + subject);
            return r.path("id").asInt();
        });
    }

    /** {@code GET /schemas/ids/<id>}: the writer schema of an id. */
    public Schema schema(int id) {
        return schemas.computeIfAbsent(id, k -> {
            JsonNode r = send(
                    HttpRequest.newBuilder(URI.create(root + "/schemas/ids/" + id))
                            .GET(),
                    "reading schema id " + id);
            return new Schema.Parser().parse(r.path("schema").asText());
        });
    }

    private JsonNode send(HttpRequest.Builder request, String what) {
        try {
            HttpResponse<String> r = http.send(
                    access.authorize(request).timeout(Duration.ofSeconds(15)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException(
                        "schema registry " + root + " refused " + what + ": HTTP " + r.statusCode() + " " + r.body());
            }
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(
                    "schema registry " + root + " cannot be reached while " + what + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + what, e);
        }
    }
}
