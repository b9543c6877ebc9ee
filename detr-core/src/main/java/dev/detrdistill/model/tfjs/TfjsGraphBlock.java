package dev.detrdistill.model.tfjs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A TensorFlow.js graph model as a DJL block with named outputs. Conv filters and biases are its parameters
 * (trainable unless frozen; converted to libtorch's layout once, here); other constants (activation scalars, shapes,
 * indices) stay fixed. {@link #forward} takes and returns TensorFlow's NHWC layout; {@link #run} also takes a
 * channels-first input and returns outputs in whichever layout they were computed, for callers that stay NCHW.
 */
public final class TfjsGraphBlock extends AbstractBlock {
    private final TfjsGraph graph;
    private final List<String> outputs;
    private final List<TfjsNode> plan;
    private final String inputName;
    private final Map<String, Parameter> weights = new LinkedHashMap<>();
    private final Map<String, float[]> initialValues = new HashMap<>();
    private final Map<String, Shape> initialShapes = new HashMap<>();
    private final Set<String> foldedSizes = new HashSet<>();
    private final long[] declaredSize; // the placeholder's fixed height and width, or null when not fixed

    public TfjsGraphBlock(TfjsGraph graph, List<String> outputs, boolean trainable) {
        this(graph, outputs, trainable, null);
    }

    /**
     * @param freezeThrough when trainable, a node whose weights and those of every node it depends on stay as
     *     imported (no gradients are computed into them, which is what saves the time); null: none
     */
    public TfjsGraphBlock(TfjsGraph graph, List<String> outputs, boolean trainable, String freezeThrough) {
        this.graph = graph;
        this.outputs = List.copyOf(outputs);
        this.plan = graph.plan(outputs);
        this.inputName = graph.input().name();
        this.declaredSize = declaredSpatialSize(graph.input());
        for (TfjsNode n : plan) {
            // The converter folds a resize's target size (e.g. Keras' UpSampling2D: twice the input) into a
            // constant for the input size the graph was exported at; at another size it scales with the input.
            if (n.op().equals("ResizeBilinear") && n.inputs().size() > 1) {
                String size = TfjsGraph.baseName(n.inputs().get(1));
                if (graph.constant(size) != null) {
                    foldedSizes.add(size);
                }
            }
        }
        Set<TfjsNode> frozen = frozenNodes(freezeThrough);
        for (TfjsNode n : plan) {
            Boolean depthwise = TfjsOps.CONV_FILTERS.get(n.op());
            if (depthwise == null) {
                continue;
            }
            boolean learns = trainable && !frozen.contains(n);
            addWeight(n, n.inputs().get(1), depthwise ? Layout.DEPTHWISE : Layout.CONV, learns);
            if (n.inputs().size() > 2) {
                addWeight(n, n.inputs().get(2), Layout.AS_IS, learns);
            }
        }
        for (TfjsNode n : plan) {
            if (!TfjsOps.CONV_FILTERS.containsKey(n.op())) {
                for (String in : n.inputs()) {
                    if (weights.containsKey(TfjsGraph.baseName(in))) {
                        throw new TfjsFormatException(graph.source() + ": constant " + in + " is a conv weight and also"
                                + " an input of " + n.describe() + "; such sharing is not supported");
                    }
                }
            }
        }
    }

    /** The named node and all it depends on; empty for null. */
    private Set<TfjsNode> frozenNodes(String freezeThrough) {
        if (freezeThrough == null) {
            return Set.of();
        }
        if (!plan.contains(graph.node(freezeThrough))) {
            throw new TfjsFormatException(graph.source() + ": '" + freezeThrough + "' is not on the way to the"
                    + " outputs " + outputs + "; freezing through it would freeze nothing they use");
        }
        return new HashSet<>(graph.plan(List.of(freezeThrough)));
    }

    private enum Layout {
        CONV,
        DEPTHWISE,
        AS_IS
    }

    private void addWeight(TfjsNode user, String name, Layout layout, boolean trainable) {
        if (weights.containsKey(name)) {
            return;
        }
        TfjsTensor t = graph.constant(name);
        if (t == null || !t.isFloat()) {
            throw new TfjsFormatException(graph.source() + ": " + user.describe() + " expects a float constant as its "
                    + (layout == Layout.AS_IS ? "bias" : "filter") + ", got '" + name + "'");
        }
        long[] s = t.shape().getShape();
        switch (layout) {
            case CONV -> {
                initialValues.put(name, hwioToOihw(t.floats(), s));
                initialShapes.put(name, new Shape(s[3], s[2], s[0], s[1]));
            }
            case DEPTHWISE -> {
                initialValues.put(name, depthwiseToTorch(t.floats(), s));
                initialShapes.put(name, new Shape(s[2] * s[3], 1, s[0], s[1]));
            }
            default -> {
                initialValues.put(name, t.floats());
                initialShapes.put(name, t.shape());
            }
        }
        Parameter p = Parameter.builder()
                .setName(name)
                .setType(layout == Layout.AS_IS ? Parameter.Type.BIAS : Parameter.Type.WEIGHT)
                .optRequiresGrad(trainable)
                .build();
        weights.put(name, addParameter(p));
    }

    /** TF {@code [kh, kw, in, out]} to libtorch {@code [out, in, kh, kw]}. */
    private static float[] hwioToOihw(float[] v, long[] s) {
        int kh = (int) s[0], kw = (int) s[1], ci = (int) s[2], co = (int) s[3];
        float[] out = new float[v.length];
        for (int y = 0; y < kh; y++) {
            for (int x = 0; x < kw; x++) {
                for (int i = 0; i < ci; i++) {
                    for (int o = 0; o < co; o++) {
                        out[((o * ci + i) * kh + y) * kw + x] = v[((y * kw + x) * ci + i) * co + o];
                    }
                }
            }
        }
        return out;
    }

    /** TF depthwise {@code [kh, kw, in, mult]} to grouped {@code [in*mult, 1, kh, kw]} (output channel i*mult+j). */
    private static float[] depthwiseToTorch(float[] v, long[] s) {
        int kh = (int) s[0], kw = (int) s[1], ci = (int) s[2], m = (int) s[3];
        float[] out = new float[v.length];
        for (int y = 0; y < kh; y++) {
            for (int x = 0; x < kw; x++) {
                for (int i = 0; i < ci; i++) {
                    for (int j = 0; j < m; j++) {
                        out[((i * m + j) * kh + y) * kw + x] = v[((y * kw + x) * ci + i) * m + j];
                    }
                }
            }
        }
        return out;
    }

    public List<String> outputNames() {
        return outputs;
    }

    /** Imported weight count (filters and biases). */
    public long weightCount() {
        return initialShapes.values().stream().mapToLong(Shape::size).sum();
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        // The imported values are the initialisation: set them before the generic pass, which then skips them
        // (an initializer set by an enclosing model, e.g. Xavier for every WEIGHT, never replaces them).
        for (Map.Entry<String, Parameter> e : weights.entrySet()) {
            if (!e.getValue().isInitialized()) {
                e.getValue()
                        .setArray(manager.create(initialValues.get(e.getKey()), initialShapes.get(e.getKey()))
                                .toType(dataType, false));
            }
        }
        super.initialize(manager, dataType, inputShapes);
    }

    /** Runs the graph on {@code input} (NHWC, or NCHW when so flagged); outputs in the order given at construction. */
    public List<TfjsValue> run(ParameterStore ps, TfjsValue input, boolean training) {
        NDManager m = input.array().getManager();
        Map<String, List<TfjsValue>> values = new HashMap<>();
        for (TfjsNode n : plan) {
            List<TfjsValue> result;
            if (n.op().equals("Placeholder")) {
                if (!n.name().equals(inputName)) {
                    throw new TfjsFormatException(graph.source() + ": second placeholder " + n.name());
                }
                result = List.of(input);
            } else if (n.op().equals("Const")) {
                Parameter p = weights.get(n.name());
                NDArray a = p != null
                        ? ps.getValue(p, input.array().getDevice(), training)
                        : foldedSizes.contains(n.name())
                                ? scaledSize(n, graph.constant(n.name()), input, m)
                                : fixedConstant(graph.constant(n.name()), m, input.array());
                result = List.of(TfjsValue.tf(a));
            } else {
                List<TfjsValue> in = new ArrayList<>(n.inputs().size());
                for (String name : n.inputs()) {
                    List<TfjsValue> produced = values.get(TfjsGraph.baseName(name));
                    in.add(produced.get(TfjsGraph.outputIndex(name)));
                }
                result = TfjsOps.apply(n, in);
            }
            values.put(n.name(), result);
        }
        List<TfjsValue> out = new ArrayList<>(outputs.size());
        for (String o : outputs) {
            out.add(values.get(TfjsGraph.baseName(o)).get(TfjsGraph.outputIndex(o)));
        }
        return out;
    }

    /** The placeholder's declared {@code [height, width]} when both are fixed, else null. */
    private static long[] declaredSpatialSize(TfjsNode placeholder) {
        JsonNode dims = placeholder.attr().path("shape").path("shape").path("dim");
        if (!dims.isArray() || dims.size() != 4) {
            return null;
        }
        long h = dims.get(1).path("size").asLong(-1);
        long w = dims.get(2).path("size").asLong(-1);
        return h > 0 && w > 0 ? new long[] {h, w} : null;
    }

    /**
     * A folded resize target for this input: as exported when the input has the declared size, else scaled by
     * the input's size over the declared one (exactly; a size that does not scale to whole pixels is refused).
     */
    private NDArray scaledSize(TfjsNode constant, TfjsTensor folded, TfjsValue input, NDManager m) {
        int[] size = folded.ints();
        Shape in = input.spatialShape();
        if (declaredSize == null || (in.get(0) == declaredSize[0] && in.get(1) == declaredSize[1])) {
            return m.create(size);
        }
        int[] scaled = new int[size.length];
        for (int i = 0; i < size.length; i++) {
            long num = size[i] * in.get(i);
            if (num % declaredSize[i] != 0) {
                throw new TfjsFormatException(graph.source() + ": resize size " + constant.name() + "="
                        + Arrays.toString(size) + " was folded for a " + declaredSize[0] + "x"
                        + declaredSize[1] + " input and does not scale to whole pixels for " + in.get(0) + "x"
                        + in.get(1));
            }
            scaled[i] = (int) (num / declaredSize[i]);
        }
        return m.create(scaled);
    }

    /** A fixed constant on the input's device; float ones in the input's precision (the graph runs in float64 too). */
    private static NDArray fixedConstant(TfjsTensor t, NDManager m, NDArray like) {
        NDArray a = t.create(m);
        if (t.isFloat() && like.getDataType().isFloating()) {
            a = a.toType(like.getDataType(), false);
        }
        return a.toDevice(like.getDevice(), false);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList out = new NDList();
        for (TfjsValue v : run(ps, TfjsValue.tf(inputs.singletonOrThrow()), training)) {
            out.add(v.nhwc());
        }
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        // Shapes follow from running it: a graph's output shapes are not declared for every input size.
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray zeros = m.zeros(inputShapes[0]);
            ParameterStore ps = new ParameterStore(m, false);
            return run(ps, TfjsValue.tf(zeros), false).stream()
                    .map(v -> v.nhwc().getShape())
                    .toArray(Shape[]::new);
        }
    }
}
