package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.detrdistill.box.Scalars;

/**
 * Cross-attention as Conditional DETR and DAB-DETR do it: per head, the content part and the positional part of
 * query and key are kept apart and concatenated ({@code [q_c ; q_p] . [k_c ; k_p]}, so each head's score is a
 * content match plus a position match), instead of being added before one projection. The positional query is the
 * sine encoding of the query's reference point, scaled by a transform of the content query; it shares its encoding
 * with the keys' grid positions, so attention starts out looking near the box.
 *
 * <p>In the first decoder stage the query position embedding and the key positions are also added to the content
 * parts (the content query carries no position yet), as both reference implementations do.
 */
public final class ConditionalCrossAttention extends AbstractBlock {
    private final int dim;
    private final int heads;
    private final boolean first;
    private final Linear qContent;
    private final Linear qPos;
    private final Linear qSine;
    private final Linear kContent;
    private final Linear kPos;
    private final Linear v;
    private final Linear out;

    public ConditionalCrossAttention(int dim, int heads, boolean first) {
        this.dim = dim;
        this.heads = heads;
        this.first = first;
        qContent = addChildBlock("q_content", linear(dim));
        qPos = first ? addChildBlock("q_pos", linear(dim)) : null;
        qSine = addChildBlock("q_sine", linear(dim));
        kContent = addChildBlock("k_content", linear(dim));
        kPos = addChildBlock("k_pos", linear(dim));
        v = addChildBlock("v", linear(dim));
        out = addChildBlock("out", linear(dim));
    }

    private static Linear linear(int units) {
        return Linear.builder().setUnits(units).build();
    }

    /**
     * @param tgt content queries {@code (B, N, d)}
     * @param queryPos query position embedding {@code (B, N, d)} (used in the first stage)
     * @param querySine scaled sine encoding of the reference points {@code (B, N, d)}
     * @param memory encoder tokens {@code (B, T, d)}
     * @param memoryPos their grid encoding {@code (1, T, d)}
     */
    public NDArray attend(
            ParameterStore ps,
            NDArray tgt,
            NDArray queryPos,
            NDArray querySine,
            NDArray memory,
            NDArray memoryPos,
            boolean training) {
        NDArray q = apply(ps, qContent, tgt, training);
        NDArray k = apply(ps, kContent, memory, training);
        NDArray kp = apply(ps, kPos, memoryPos, training);
        if (first) {
            q = q.add(apply(ps, qPos, queryPos, training));
            k = k.add(kp);
        }
        NDArray values = apply(ps, v, memory, training);
        NDArray qs = apply(ps, qSine, querySine, training);
        long b = tgt.getShape().get(0);
        long n = tgt.getShape().get(1);
        long t = memory.getShape().get(1);
        int dh = dim / heads;
        NDArray qh = NDArrays.concat(new NDList(split(q, b, n, dh), split(qs, b, n, dh)), 3); // (B,h,N,2dh)
        NDArray kpB = kp.getShape().get(0) == b ? kp : kp.broadcast(b, t, dim);
        NDArray kh = NDArrays.concat(new NDList(split(k, b, t, dh), split(kpB, b, t, dh)), 3); // (B,h,T,2dh)
        NDArray vh = split(values, b, t, dh);
        NDArray scores = Scalars.mul(qh.matMul(kh.transpose(0, 1, 3, 2)), (float) (1.0 / Math.sqrt(2.0 * dh)));
        NDArray ctx = scores.softmax(-1).matMul(vh).transpose(0, 2, 1, 3).reshape(b, n, dim);
        return apply(ps, out, ctx, training);
    }

    private static NDArray apply(ParameterStore ps, Linear l, NDArray x, boolean training) {
        return l.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    private NDArray split(NDArray x, long b, long t, int dh) {
        return x.reshape(b, t, heads, dh).transpose(0, 2, 1, 3);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(
                attend(ps, inputs.get(0), inputs.get(1), inputs.get(2), inputs.get(3), inputs.get(4), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Linear l : new Linear[] {qContent, qPos, qSine, kContent, kPos, v, out}) {
            if (l != null) {
                l.initialize(manager, dataType, new Shape(1, dim));
            }
        }
    }
}
