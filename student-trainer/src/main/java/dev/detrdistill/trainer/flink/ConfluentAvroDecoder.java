package dev.detrdistill.trainer.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.stream.RegistryAccess;
import dev.detrdistill.trainer.BadRecordException;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Decodes the Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro binary) into a
 * generated class, fetching writer schemas by id from a Confluent-compatible registry
 * ({@code GET <ccompat>/schemas/ids/<id>}) once each. Writer schemas the reader cannot resolve (another
 * record type, an incompatible change) are refused per record, as dead letters, not as job failures;
 * an unreachable registry is a job failure (Flink restarts and retries).
 */
public final class ConfluentAvroDecoder<T extends SpecificRecord> implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String NOT_WIRE_FORMAT = "not Confluent wire format";
    public static final String UNKNOWN_SCHEMA = "unknown schema id";
    public static final String SCHEMA_MISMATCH = "schema mismatch";
    public static final String CORRUPT = "corrupt Avro";

    private final String ccompatUrl;
    private final Class<T> type;
    private final RegistryAccess access;
    private transient HttpClient http;
    private transient Map<Integer, Object> readers; // SpecificDatumReader or the BadRecordException to repeat
    private transient ObjectMapper json;

    /**
     * @param registryUrl an Apicurio base URL or a Confluent-compatible API root (ending in /apis/ccompat/v7, or
     * Confluent's own)
     */
    public ConfluentAvroDecoder(String registryUrl, Class<T> type) {
        this(registryUrl, type, RegistryAccess.NONE);
    }

    /** @param access credentials and trust for a registry that asks for them */
    public ConfluentAvroDecoder(String registryUrl, Class<T> type, RegistryAccess access) {
        this.ccompatUrl = access.api().confluentRoot(registryUrl);
        this.type = type;
        this.access = access;
    }

    /** @throws BadRecordException when the bytes are not a decodable record of this type */
    public T decode(byte[] value) {
        if (value == null || value.length == 0) {
            throw new BadRecordException("empty record", "the record has no value (a tombstone?)");
        }
        if (value.length < 5 || value[0] != 0) {
            throw new BadRecordException(
                    NOT_WIRE_FORMAT,
                    "first byte is " + value[0] + " and length " + value.length
                            + "; expected magic byte 0, a 4-byte schema id and Avro binary");
        }
        int id = ByteBuffer.wrap(value, 1, 4).getInt();
        Object reader = readers().computeIfAbsent(id, this::readerFor);
        if (reader instanceof BadRecordException bad) {
            throw new BadRecordException(bad.reason(), bad.getMessage());
        }
        @SuppressWarnings("unchecked")
        SpecificDatumReader<T> r = (SpecificDatumReader<T>) reader;
        try {
            return r.read(null, DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
        } catch (IOException | RuntimeException e) {
            throw new BadRecordException(
                    CORRUPT, "schema id " + id + ": Avro body cannot be decoded as " + type.getSimpleName() + ": " + e);
        }
    }

    private Map<Integer, Object> readers() {
        if (readers == null) {
            AvroTrust.trustRecordClasses();
            readers = new HashMap<>();
            http = access.httpClient();
            json = new ObjectMapper();
        }
        return readers;
    }

    private Object readerFor(int id) {
        Schema writer = fetch(id);
        if (writer == null) {
            return new BadRecordException(
                    UNKNOWN_SCHEMA, "schema id " + id + " is not in the registry at " + ccompatUrl);
        }
        Schema readerSchema = SpecificData.get().getSchema(type);
        SchemaCompatibility.SchemaPairCompatibility c =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
        if (c.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return new BadRecordException(
                    SCHEMA_MISMATCH,
                    "writer schema id " + id + " (" + writer.getFullName() + ") cannot be read as "
                            + readerSchema.getFullName() + ": "
                            + c.getResult().getIncompatibilities().stream()
                                    .limit(3)
                                    .map(i -> i.getType() + " at " + i.getLocation() + " " + i.getMessage())
                                    .toList());
        }
        return new SpecificDatumReader<T>(writer, readerSchema);
    }

    /** The writer schema of {@code id}, with the named types it references (registered separately) parsed first. */
    private Schema fetch(int id) {
        JsonNode body = get("/schemas/ids/" + id, "schema id " + id);
        if (body == null) {
            return null;
        }
        Schema.Parser parser = new Schema.Parser();
        parseReferences(parser, body.get("references"), new java.util.HashSet<>());
        return parser.parse(body.get("schema").asText());
    }

    private void parseReferences(Schema.Parser parser, JsonNode references, java.util.Set<String> seen) {
        if (references == null || !references.isArray()) {
            return;
        }
        for (JsonNode ref : references) {
            String subject = ref.get("subject").asText();
            String version = ref.get("version").asText();
            if (!seen.add(subject + "/" + version)) {
                continue;
            }
            String path = "/subjects/" + java.net.URLEncoder.encode(subject, java.nio.charset.StandardCharsets.UTF_8)
                    + "/versions/" + version;
            JsonNode body = get(path, "reference " + ref.get("name").asText());
            if (body == null) {
                throw new IllegalStateException("schema registry " + ccompatUrl + " has no " + path + " (referenced as "
                        + ref.get("name") + ")");
            }
            parseReferences(parser, body.get("references"), seen);
            parser.parse(body.get("schema").asText());
        }
    }

    /**
     * GET against the registry; null on 404; retried, then a job failure (the registry is down, not the record bad).
     */
    private JsonNode get(String path, String what) {
        URI uri = URI.create(ccompatUrl + path);
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                HttpResponse<String> res = http.send(
                        access.authorize(HttpRequest.newBuilder(uri))
                                .timeout(Duration.ofSeconds(10))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (res.statusCode() == 404) {
                    return null;
                }
                if (res.statusCode() == 401 || res.statusCode() == 403) {
                    throw new IllegalStateException(
                            "schema registry " + ccompatUrl + " refused " + what + " (HTTP " + res.statusCode()
                                    + "): give its credentials with --registry-config "
                                    + "(basic.auth.user.info=user:password)");
                }
                if (res.statusCode() != 200) {
                    throw new IOException("HTTP " + res.statusCode() + ": " + res.body());
                }
                return json.readTree(res.body());
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while fetching " + what, e);
            }
        }
        throw new IllegalStateException(
                "schema registry " + ccompatUrl + " did not answer for " + what + ": " + last, last);
    }
}
