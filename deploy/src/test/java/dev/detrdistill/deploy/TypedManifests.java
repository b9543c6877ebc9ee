package dev.detrdistill.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Kubernetes manifests into their typed models and lists what the models do not know. Jackson refuses unknown
 * fields of strict classes; fabric8's and Strimzi's classes keep unknown fields aside (their additional properties)
 * instead, so those are walked and reported with their path.
 */
final class TypedManifests {
    /** The Flink version the manifests target; the newest operator API on Maven Central (1.10) predates it. */
    static final String FLINK_VERSION = "v2_2";

    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final Map<String, String> MODELS = Map.ofEntries(
            Map.entry("FlinkDeployment", "org.apache.flink.kubernetes.operator.api.FlinkDeployment"),
            Map.entry("Kafka", "io.strimzi.api.kafka.model.kafka.Kafka"),
            Map.entry("KafkaNodePool", "io.strimzi.api.kafka.model.nodepool.KafkaNodePool"),
            Map.entry("KafkaTopic", "io.strimzi.api.kafka.model.topic.KafkaTopic"),
            Map.entry("KafkaUser", "io.strimzi.api.kafka.model.user.KafkaUser"),
            Map.entry("Deployment", "io.fabric8.kubernetes.api.model.apps.Deployment"),
            Map.entry("StatefulSet", "io.fabric8.kubernetes.api.model.apps.StatefulSet"),
            Map.entry("Job", "io.fabric8.kubernetes.api.model.batch.v1.Job"),
            Map.entry("Service", "io.fabric8.kubernetes.api.model.Service"),
            Map.entry("Secret", "io.fabric8.kubernetes.api.model.Secret"),
            Map.entry("ConfigMap", "io.fabric8.kubernetes.api.model.ConfigMap"),
            Map.entry("PersistentVolumeClaim", "io.fabric8.kubernetes.api.model.PersistentVolumeClaim"),
            Map.entry("ServiceAccount", "io.fabric8.kubernetes.api.model.ServiceAccount"));

    private TypedManifests() {}

    /** One document of a manifest file, read into its model. */
    record Document(Path file, int index, String kind, Object model, List<String> unknown) {}

    static List<Document> read(Path file) throws IOException {
        List<Document> out = new ArrayList<>();
        var parser = YAML.getFactory().createParser(Files.readString(file));
        List<JsonNode> docs = YAML.readValues(parser, JsonNode.class).readAll();
        int i = 0;
        for (JsonNode doc : docs) {
            i++;
            if (doc == null || doc.isNull() || doc.isEmpty()) {
                continue;
            }
            String kind = doc.path("kind").asText();
            String model = MODELS.get(kind);
            if (model == null) {
                throw new IllegalArgumentException(
                        file + " document " + i + ": no typed model for kind '" + kind + "'");
            }
            List<String> unknown = new ArrayList<>();
            if (kind.equals("FlinkDeployment")) {
                JsonNode version = doc.path("spec").path("flinkVersion");
                if (!version.asText().equals(FLINK_VERSION)) {
                    unknown.add("spec.flinkVersion is " + version + ", expected " + FLINK_VERSION);
                }
                ((ObjectNode) doc.get("spec")).remove("flinkVersion"); // unknown to the 1.10 API's enum
            }
            Object typed;
            try {
                typed = YAML.treeToValue(doc, Class.forName(model));
            } catch (IOException | ClassNotFoundException e) {
                throw new IllegalArgumentException(file + " document " + i + " (" + kind + "): " + e.getMessage(), e);
            }
            collectUnknown(typed, kind, unknown, new IdentityHashMap<>());
            if (kind.equals("FlinkDeployment")) {
                // The operator's classes ignore unknown fields outright: what does not come back out was not read.
                // (fabric8's and Strimzi's keep them, and omit defaults when written, so they are walked instead.)
                collectDropped(doc, YAML.valueToTree(typed), kind, unknown);
            }
            out.add(new Document(file, i, kind, typed, unknown));
        }
        return out;
    }

    private static void collectDropped(JsonNode in, JsonNode out, String path, List<String> unknown) {
        if (in.isObject()) {
            in.fieldNames().forEachRemaining(k -> {
                if (out == null || !out.has(k)) {
                    unknown.add(path + "." + k);
                } else {
                    collectDropped(in.get(k), out.get(k), path + "." + k, unknown);
                }
            });
        } else if (in.isArray() && out != null && out.isArray()) {
            for (int i = 0; i < in.size() && i < out.size(); i++) {
                collectDropped(in.get(i), out.get(i), path + "[" + i + "]", unknown);
            }
        }
    }

    private static void collectUnknown(Object o, String path, List<String> unknown, Map<Object, Boolean> seen) {
        if (o == null || seen.put(o, true) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                collectUnknown(e, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> collectUnknown(v, path + "." + k, unknown, seen));
            return;
        }
        String pkg = o.getClass().getPackageName();
        if (!(pkg.startsWith("io.fabric8.")
                || pkg.startsWith("io.strimzi.")
                || pkg.startsWith("org.apache.flink.kubernetes."))) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0
                    || Modifier.isStatic(m.getModifiers())
                    || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties") && value instanceof Map<?, ?> extra) {
                extra.keySet().forEach(k -> unknown.add(path + "." + k));
                continue;
            }
            collectUnknown(value, path + "." + decapitalise(m.getName().substring(3)), unknown, seen);
        }
    }

    private static String decapitalise(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
