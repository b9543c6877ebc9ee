package dev.detrdistill.model.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A TensorFlow.js graph model ({@code model.json} with {@code "format": "graph-model"} and its weight shards),
 * read into nodes and dequantised constants. {@link #plan} orders what a set of outputs needs and refuses ops this
 * reader does not implement, by name, before anything runs.
 */
public final class TfjsGraph {
    private final Path source;
    private final Map<String, TfjsNode> nodes;
    private final Map<String, TfjsTensor> constants;

    private TfjsGraph(Path source, Map<String, TfjsNode> nodes, Map<String, TfjsTensor> constants) {
        this.source = source;
        this.nodes = nodes;
        this.constants = constants;
    }

    public static TfjsGraph load(Path modelJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(modelJson));
        } catch (IOException e) {
            throw new TfjsFormatException(modelJson + ": not readable JSON: " + e.getMessage(), e);
        }
        if (!"graph-model".equals(root.path("format").asText())) {
            throw new TfjsFormatException(
                    modelJson + ": format is '" + root.path("format").asText()
                            + "', expected 'graph-model' (a TensorFlow.js layers model is not a graph model)");
        }
        Map<String, TfjsNode> nodes = new LinkedHashMap<>();
        for (JsonNode n : root.path("modelTopology").path("node")) {
            TfjsNode node = TfjsNode.of(n);
            nodes.put(node.name(), node);
        }
        if (nodes.isEmpty()) {
            throw new TfjsFormatException(modelJson + ": modelTopology has no nodes");
        }
        Path dir = modelJson.toAbsolutePath().getParent();
        Map<String, TfjsTensor> constants = TfjsWeights.read(dir, root.path("weightsManifest"));
        for (TfjsNode node : nodes.values()) {
            if (node.op().equals("Const") && !constants.containsKey(node.name())) {
                throw new TfjsFormatException(modelJson + ": constant " + node.describe() + " has no weights entry");
            }
        }
        return new TfjsGraph(modelJson, nodes, constants);
    }

    public Path source() {
        return source;
    }

    public TfjsNode node(String name) {
        TfjsNode n = nodes.get(baseName(name));
        if (n == null) {
            throw new TfjsFormatException(source + ": no node named '" + name + "'");
        }
        return n;
    }

    public TfjsTensor constant(String name) {
        return constants.get(name);
    }

    /** The graph's single placeholder (its image input). */
    public TfjsNode input() {
        List<TfjsNode> placeholders = nodes.values().stream()
                .filter(n -> n.op().equals("Placeholder"))
                .toList();
        if (placeholders.size() != 1) {
            throw new TfjsFormatException(source + ": expected one Placeholder input, found "
                    + placeholders.stream().map(TfjsNode::name).toList());
        }
        return placeholders.get(0);
    }

    /** Nodes the outputs depend on, each after its inputs; throws naming every unsupported op among them. */
    public List<TfjsNode> plan(List<String> outputs) {
        List<TfjsNode> order = new ArrayList<>();
        Set<String> done = new HashSet<>();
        Set<String> unsupported = new TreeSet<>();
        for (String out : outputs) {
            // Iterative depth-first post-order: graphs are hundreds of nodes deep.
            Deque<Object[]> stack = new ArrayDeque<>();
            stack.push(new Object[] {node(out), 0});
            while (!stack.isEmpty()) {
                Object[] top = stack.peek();
                TfjsNode n = (TfjsNode) top[0];
                int next = (int) top[1];
                if (done.contains(n.name())) {
                    stack.pop();
                } else if (next < n.inputs().size()) {
                    top[1] = next + 1;
                    TfjsNode in = node(n.inputs().get(next));
                    if (!done.contains(in.name())) {
                        stack.push(new Object[] {in, 0});
                    }
                } else {
                    stack.pop();
                    done.add(n.name());
                    order.add(n);
                    if (!TfjsOps.supports(n.op())) {
                        unsupported.add(n.op() + " (at " + n.name() + ")");
                    }
                }
            }
        }
        if (!unsupported.isEmpty()) {
            throw new TfjsFormatException(source + ": ops not supported by this reader: " + unsupported
                    + "; supported: " + TfjsOps.supported());
        }
        return order;
    }

    static String baseName(String input) {
        int colon = input.lastIndexOf(':');
        return colon < 0 ? input : input.substring(0, colon);
    }

    static int outputIndex(String input) {
        int colon = input.lastIndexOf(':');
        return colon < 0 ? 0 : Integer.parseInt(input.substring(colon + 1));
    }
}
