package dev.detrdistill.model.tfjs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BinaryOperator;

/**
 * The TensorFlow ops this reader implements, with TensorFlow's semantics where they differ from libtorch's:
 * "SAME" padding is asymmetric (the extra row/column goes after), bilinear resize has TF's legacy sampling modes.
 * Conv filters arrive already in libtorch layout ({@link TfjsGraphBlock} converts them once, at load).
 */
final class TfjsOps {
    /** One op: the node (for attributes and error messages) and its resolved inputs to its outputs. */
    @FunctionalInterface
    interface Op {
        List<TfjsValue> apply(TfjsNode node, List<TfjsValue> in);
    }

    /** Ops whose second input is a conv filter, and whether it is depthwise. */
    static final Map<String, Boolean> CONV_FILTERS = Map.of(
            "Conv2D", false,
            "_FusedConv2D", false,
            "DepthwiseConv2dNative", true,
            "FusedDepthwiseConv2dNative", true);

    private static final Map<String, Op> OPS = Map.ofEntries(
            Map.entry("Placeholder", (n, in) -> in),
            Map.entry("Const", (n, in) -> in),
            Map.entry("Identity", (n, in) -> List.of(in.get(0))),
            Map.entry("Conv2D", (n, in) -> one(conv(n, in.get(0), in.get(1).array(), null, false))),
            Map.entry(
                    "DepthwiseConv2dNative",
                    (n, in) -> one(conv(n, in.get(0), in.get(1).array(), null, true))),
            Map.entry("_FusedConv2D", (n, in) -> one(fusedConv(n, in, false))),
            Map.entry("FusedDepthwiseConv2dNative", (n, in) -> one(fusedConv(n, in, true))),
            Map.entry("BiasAdd", (n, in) -> one(binary(in.get(0), in.get(1), NDArray::add))),
            Map.entry("Add", (n, in) -> one(binary(in.get(0), in.get(1), NDArray::add))),
            Map.entry("AddV2", (n, in) -> one(binary(in.get(0), in.get(1), NDArray::add))),
            Map.entry("Sub", (n, in) -> one(binary(in.get(0), in.get(1), NDArray::sub))),
            Map.entry("Mul", (n, in) -> one(binary(in.get(0), in.get(1), NDArray::mul))),
            Map.entry("RealDiv", (n, in) -> one(binary(in.get(0), in.get(1), NDArray::div))),
            Map.entry("Maximum", (n, in) -> one(binary(in.get(0), in.get(1), NDArray::maximum))),
            Map.entry("Minimum", (n, in) -> one(binary(in.get(0), in.get(1), NDArray::minimum))),
            Map.entry("Equal", (n, in) -> one(binary(in.get(0), in.get(1), NDArray::eq))),
            Map.entry("FloorDiv", (n, in) -> one(binary(in.get(0), in.get(1), TfjsOps::floorDiv))),
            Map.entry("FloorMod", (n, in) -> one(binary(in.get(0), in.get(1), TfjsOps::floorMod))),
            Map.entry("Relu", (n, in) -> one(unary(in.get(0), Activation::relu))),
            Map.entry("Relu6", (n, in) -> one(unary(in.get(0), x -> x.clip(0, 6)))),
            Map.entry("Sigmoid", (n, in) -> one(unary(in.get(0), Activation::sigmoid))),
            Map.entry("Cast", (n, in) -> one(unary(in.get(0), x -> x.toType(dataType(n, n.type("DstT")), false)))),
            Map.entry("Mean", (n, in) -> one(mean(n, in.get(0), ints(in.get(1))))),
            Map.entry("ConcatV2", (n, in) -> one(concat(in))),
            Map.entry("ResizeBilinear", (n, in) -> one(resizeBilinear(n, in.get(0), ints(in.get(1))))),
            Map.entry("MaxPool", (n, in) -> one(maxPool(n, in.get(0)))),
            Map.entry("Reshape", (n, in) -> one(TfjsValue.tf(in.get(0).nhwc().reshape(longs(ints(in.get(1))))))),
            Map.entry("ExpandDims", (n, in) -> one(expandDims(in.get(0), ints(in.get(1))[0]))),
            Map.entry("TopKV2", (n, in) -> topK(in.get(0), ints(in.get(1))[0])),
            Map.entry("GatherV2", (n, in) -> one(gather(n, in.get(0), in.get(1), ints(in.get(2))[0]))),
            Map.entry("StridedSlice", (n, in) -> one(stridedSlice(n, in))));

    private TfjsOps() {}

    static boolean supports(String op) {
        return OPS.containsKey(op);
    }

    static Set<String> supported() {
        return new TreeSet<>(OPS.keySet());
    }

    static List<TfjsValue> apply(TfjsNode node, List<TfjsValue> inputs) {
        try {
            return OPS.get(node.op()).apply(node, inputs);
        } catch (TfjsFormatException e) {
            throw new TfjsFormatException(node.describe() + ": " + e.getMessage(), e);
        }
    }

    private static List<TfjsValue> one(TfjsValue v) {
        return List.of(v);
    }

    // ---- convolution and pooling -------------------------------------------------------------------------------

    private static TfjsValue fusedConv(TfjsNode n, List<TfjsValue> in, boolean depthwise) {
        List<String> fused = n.strings("fused_ops");
        NDArray bias = null;
        int next = 0;
        if (next < fused.size() && fused.get(next).equals("BiasAdd")) {
            bias = in.get(2).array();
            next++;
        }
        TfjsValue out = conv(n, in.get(0), in.get(1).array(), bias, depthwise);
        for (; next < fused.size(); next++) {
            String op = fused.get(next);
            out = switch (op) {
                case "Relu" -> unary(out, Activation::relu);
                case "Relu6" -> unary(out, x -> x.clip(0, 6));
                default ->
                    throw new TfjsFormatException("fused op " + op + " is not supported (BiasAdd, Relu, Relu6 are)");
            };
        }
        return out;
    }

    /** {@code filter} is OIHW (or (C*M, 1, kh, kw) when depthwise); the result is channels-first. */
    private static TfjsValue conv(TfjsNode n, TfjsValue x, NDArray filter, NDArray bias, boolean depthwise) {
        requireNhwcFormat(n);
        int[] strides = orDefault(n.ints("strides"));
        int[] dilations = orDefault(n.ints("dilations"));
        NDArray input = x.nchw();
        Shape fs = filter.getShape();
        int[] pads = padding(n, input.getShape(), fs.get(2), fs.get(3), strides, dilations);
        Shape symmetric = new Shape(pads[0], pads[2]);
        if (pads[0] != pads[1] || pads[2] != pads[3]) {
            input = input.pad(new Shape(pads[2], pads[3], pads[0], pads[1]), 0);
            symmetric = new Shape(0, 0);
        }
        int groups = depthwise ? (int) input.getShape().get(1) : 1;
        NDArray out = Conv2d.conv2d(
                        input,
                        filter,
                        bias,
                        new Shape(strides[1], strides[2]),
                        symmetric,
                        new Shape(dilations[1], dilations[2]),
                        groups)
                .singletonOrThrow();
        return TfjsValue.channelsFirst(out);
    }

    private static TfjsValue maxPool(TfjsNode n, TfjsValue x) {
        requireNhwcFormat(n);
        int[] k = n.ints("ksize");
        int[] strides = n.ints("strides");
        NDArray input = x.nchw();
        int[] pads = padding(n, input.getShape(), k[1], k[2], strides, new int[] {1, 1, 1, 1});
        Shape symmetric = new Shape(pads[0], pads[2]);
        if (pads[0] != pads[1] || pads[2] != pads[3]) {
            input = input.pad(new Shape(pads[2], pads[3], pads[0], pads[1]), Double.NEGATIVE_INFINITY);
            symmetric = new Shape(0, 0);
        }
        return TfjsValue.channelsFirst(
                Pool.maxPool2d(input, new Shape(k[1], k[2]), new Shape(strides[1], strides[2]), symmetric, false));
    }

    /** TF padding as {top, bottom, left, right}: "SAME" puts the odd pixel after, "VALID" pads nothing. */
    static int[] padding(TfjsNode n, Shape nchw, long kh, long kw, int[] strides, int[] dilations) {
        String mode = n.string("padding");
        if (mode.equals("VALID")) {
            return new int[4];
        }
        if (!mode.equals("SAME")) {
            throw new TfjsFormatException("padding " + mode + " is not supported (SAME, VALID are)");
        }
        int[] h = same(nchw.get(2), kh, strides[1], dilations[1]);
        int[] w = same(nchw.get(3), kw, strides[2], dilations[2]);
        return new int[] {h[0], h[1], w[0], w[1]};
    }

    private static int[] same(long size, long kernel, int stride, int dilation) {
        long out = (size + stride - 1) / stride;
        long total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
        return new int[] {(int) (total / 2), (int) (total - total / 2)};
    }

    private static void requireNhwcFormat(TfjsNode n) {
        String format = n.string("data_format");
        if (!format.isEmpty() && !format.equals("NHWC")) {
            throw new TfjsFormatException("data_format " + format + " is not supported (NHWC is)");
        }
    }

    private static int[] orDefault(int[] fourInts) {
        return fourInts.length == 4 ? fourInts : new int[] {1, 1, 1, 1};
    }

    // ---- elementwise ---------------------------------------------------------------------------------------------

    private static TfjsValue unary(TfjsValue x, java.util.function.UnaryOperator<NDArray> f) {
        return new TfjsValue(f.apply(x.array()), x.channelsFirst());
    }

    /** Broadcasting binary op; stays channels-first when both sides can, else both go to TF's layout. */
    private static TfjsValue binary(TfjsValue a, TfjsValue b, BinaryOperator<NDArray> f) {
        if (a.channelsFirst() || b.channelsFirst()) {
            NDArray ac = asChannelsFirst(a);
            NDArray bc = asChannelsFirst(b);
            if (ac != null && bc != null) {
                return TfjsValue.channelsFirst(f.apply(ac, bc));
            }
        }
        return TfjsValue.tf(f.apply(a.nhwc(), b.nhwc()));
    }

    private static NDArray asChannelsFirst(TfjsValue v) {
        Shape s = v.array().getShape();
        if (v.channelsFirst()) {
            return v.array();
        }
        if (s.size() == 1) {
            return v.array(); // a scalar broadcasts the same in either layout
        }
        if (s.dimension() == 4) {
            return v.nchw();
        }
        if (s.dimension() == 1) {
            return v.array().reshape(s.get(0), 1, 1); // per-channel, e.g. a bias
        }
        return null;
    }

    private static NDArray floorDiv(NDArray a, NDArray b) {
        if (a.getDataType().isInteger()) {
            return a.toType(DataType.FLOAT64, false)
                    .div(b.toType(DataType.FLOAT64, false))
                    .floor()
                    .toType(a.getDataType(), false);
        }
        return a.div(b).floor();
    }

    private static NDArray floorMod(NDArray a, NDArray b) {
        return a.sub(floorDiv(a, b).mul(b));
    }

    // ---- reductions, shapes, indexing ------------------------------------------------------------------------

    private static TfjsValue mean(TfjsNode n, TfjsValue x, int[] axes) {
        boolean keep = n.bool("keep_dims");
        int rank = x.rank();
        int[] norm = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            norm[i] = axes[i] < 0 ? axes[i] + rank : axes[i];
        }
        if (x.channelsFirst() && keep) {
            int[] mapped = new int[norm.length];
            for (int i = 0; i < norm.length; i++) {
                mapped[i] = TfjsValue.channelsFirstAxis(norm[i]);
            }
            return TfjsValue.channelsFirst(meanOver(x.array(), mapped, true));
        }
        return TfjsValue.tf(meanOver(x.nhwc(), norm, keep));
    }

    /** libtorch's DJL binding reduces one axis at a time; highest axis first keeps the others' indices valid. */
    private static NDArray meanOver(NDArray x, int[] axes, boolean keep) {
        int[] sorted = axes.clone();
        java.util.Arrays.sort(sorted);
        NDArray out = x;
        for (int i = sorted.length - 1; i >= 0; i--) {
            out = out.mean(new int[] {sorted[i]}, keep);
        }
        return out;
    }

    private static TfjsValue concat(List<TfjsValue> in) {
        List<TfjsValue> parts = in.subList(0, in.size() - 1);
        int axis = ints(in.get(in.size() - 1))[0];
        int rank = parts.get(0).rank();
        int a = axis < 0 ? axis + rank : axis;
        boolean allRank4 = parts.stream().allMatch(p -> p.rank() == 4);
        boolean anyFirst = parts.stream().anyMatch(TfjsValue::channelsFirst);
        NDList arrays = new NDList();
        if (allRank4 && anyFirst) {
            parts.forEach(p -> arrays.add(p.nchw()));
            return TfjsValue.channelsFirst(NDArrays.concat(arrays, TfjsValue.channelsFirstAxis(a)));
        }
        parts.forEach(p -> arrays.add(p.nhwc()));
        return TfjsValue.tf(NDArrays.concat(arrays, a));
    }

    /** Bilinear resize as two interpolation matrices, {@code Wy X Wx^T}: exact TF sampling and differentiable. */
    private static TfjsValue resizeBilinear(TfjsNode n, TfjsValue x, int[] size) {
        boolean alignCorners = n.bool("align_corners");
        boolean halfPixel = n.bool("half_pixel_centers");
        NDArray input = x.nchw();
        NDManager m = input.getManager();
        NDArray wy =
                interpolation(m, (int) input.getShape().get(2), size[0], alignCorners, halfPixel, input.getDataType());
        NDArray wx =
                interpolation(m, (int) input.getShape().get(3), size[1], alignCorners, halfPixel, input.getDataType());
        return TfjsValue.channelsFirst(wy.matMul(input).matMul(wx.transpose()));
    }

    static NDArray interpolation(NDManager m, int in, int out, boolean alignCorners, boolean halfPixel, DataType type) {
        double scale = alignCorners && out > 1 ? (in - 1) / (double) (out - 1) : in / (double) out;
        float[] w = new float[out * in];
        for (int o = 0; o < out; o++) {
            double src = halfPixel ? Math.max((o + 0.5) * scale - 0.5, 0) : o * scale;
            int lo = Math.min((int) Math.floor(src), in - 1);
            int hi = Math.min(lo + 1, in - 1);
            double frac = src - lo;
            w[o * in + lo] += (float) (1 - frac);
            w[o * in + hi] += (float) frac;
        }
        return m.create(w, new Shape(out, in)).toType(type, false);
    }

    private static TfjsValue expandDims(TfjsValue x, int axis) {
        NDArray a = x.nhwc();
        int rank = a.getShape().dimension();
        return TfjsValue.tf(a.expandDims(axis < 0 ? axis + rank + 1 : axis));
    }

    private static List<TfjsValue> topK(TfjsValue x, int k) {
        NDList r = x.nhwc().topK(k, -1, true, true);
        return List.of(TfjsValue.tf(r.get(0)), TfjsValue.tf(r.get(1).toType(DataType.INT32, false)));
    }

    /** GatherV2 along axis 0: {@code params[indices]}, shaped {@code indices.shape + params.shape[1:]}. */
    private static TfjsValue gather(TfjsNode n, TfjsValue params, TfjsValue indices, int axis) {
        if (axis != 0 || n.integer("batch_dims", 0) != 0) {
            throw new TfjsFormatException("GatherV2 on axis " + axis + " with batch_dims " + n.integer("batch_dims", 0)
                    + " is not supported (axis 0 without batch dims is)");
        }
        NDArray p = params.nhwc();
        NDArray idx = indices.nhwc().toType(DataType.INT64, false);
        Shape rest = p.getShape().slice(1);
        long count = idx.getShape().size();
        long[] ones = new long[rest.dimension() + 1];
        java.util.Arrays.fill(ones, 1);
        ones[0] = count;
        NDArray index = idx.reshape(new Shape(ones)).broadcast(new Shape(count).addAll(rest));
        return TfjsValue.tf(p.gather(index, 0).reshape(idx.getShape().addAll(rest)));
    }

    private static TfjsValue stridedSlice(TfjsNode n, List<TfjsValue> in) {
        if (n.integer("ellipsis_mask", 0) != 0 || n.integer("new_axis_mask", 0) != 0) {
            throw new TfjsFormatException("StridedSlice with ellipsis_mask or new_axis_mask is not supported");
        }
        int[] begin = ints(in.get(1));
        int[] end = ints(in.get(2));
        int[] strides = ints(in.get(3));
        int beginMask = n.integer("begin_mask", 0);
        int endMask = n.integer("end_mask", 0);
        int shrink = n.integer("shrink_axis_mask", 0);
        List<String> dims = new ArrayList<>();
        for (int i = 0; i < begin.length; i++) {
            if ((shrink & (1 << i)) != 0) {
                dims.add(Integer.toString(begin[i]));
                continue;
            }
            String b = (beginMask & (1 << i)) != 0 ? "" : Integer.toString(begin[i]);
            String e = (endMask & (1 << i)) != 0 ? "" : Integer.toString(end[i]);
            dims.add(b + ":" + e + (strides[i] == 1 ? "" : ":" + strides[i]));
        }
        return TfjsValue.tf(in.get(0).nhwc().get(new NDIndex(String.join(",", dims))));
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    static int[] ints(TfjsValue v) {
        return v.array().toType(DataType.INT32, false).toIntArray();
    }

    private static long[] longs(int[] ints) {
        long[] out = new long[ints.length];
        for (int i = 0; i < ints.length; i++) {
            out[i] = ints[i];
        }
        return out;
    }

    private static DataType dataType(TfjsNode n, String tfType) {
        return switch (tfType) {
            case "DT_FLOAT" -> DataType.FLOAT32;
            case "DT_INT32" -> DataType.INT32;
            case "DT_BOOL" -> DataType.BOOLEAN;
            default ->
                throw new TfjsFormatException(
                        "cast to " + tfType + " is not supported (DT_FLOAT, DT_INT32," + " DT_BOOL are)");
        };
    }
}
