package dev.detrdistill.model.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One node of the graph: its op, its inputs ({@code name} or {@code name:k} for output k; control inputs dropped)
 * and its attributes as TensorFlow.js writes them (GraphDef JSON: strings base64, integers as strings).
 */
public record TfjsNode(String name, String op, List<String> inputs, JsonNode attr) {
    static TfjsNode of(JsonNode json) {
        List<String> inputs = new ArrayList<>();
        for (JsonNode i : json.path("input")) {
            if (!i.asText().startsWith("^")) {
                inputs.add(i.asText());
            }
        }
        return new TfjsNode(
                json.path("name").asText(), json.path("op").asText(), List.copyOf(inputs), json.path("attr"));
    }

    int[] ints(String key) {
        JsonNode list = attr.path(key).path("list").path("i");
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i).asInt();
        }
        return out;
    }

    int integer(String key, int fallback) {
        JsonNode v = attr.path(key).path("i");
        return v.isMissingNode() ? fallback : v.asInt();
    }

    boolean bool(String key) {
        return attr.path(key).path("b").asBoolean(false);
    }

    String string(String key) {
        JsonNode v = attr.path(key).path("s");
        return v.isMissingNode() ? "" : decode(v.asText());
    }

    List<String> strings(String key) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : attr.path(key).path("list").path("s")) {
            out.add(decode(s.asText()));
        }
        return out;
    }

    String type(String key) {
        return attr.path(key).path("type").asText("");
    }

    /** "node 'name' (Op)": how errors name a node. */
    String describe() {
        return "node '" + name + "' (" + op + ")";
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
