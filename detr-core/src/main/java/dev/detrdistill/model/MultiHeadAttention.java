package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
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
 * Multi-head scaled dot-product attention with separate query, key and value inputs.
 *
 * <p>Inputs: query {@code (B, Tq, d)}, key {@code (B, Tk, d)}, value {@code (B, Tk, d)} and an optional
 * additive mask {@code (Tq, Tk)} (0 = attend, large negative = blocked). Output {@code (B, Tq, d)}.
 */
public final class MultiHeadAttention extends AbstractBlock {
    private final int dim;
    private final int heads;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear out;

    public MultiHeadAttention(int dim, int heads) {
        this.dim = dim;
        this.heads = heads;
        q = addChildBlock("q", Linear.builder().setUnits(dim).build());
        k = addChildBlock("k", Linear.builder().setUnits(dim).build());
        v = addChildBlock("v", Linear.builder().setUnits(dim).build());
        out = addChildBlock("out", Linear.builder().setUnits(dim).build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray query = inputs.get(0);
        NDArray key = inputs.get(1);
        NDArray value = inputs.get(2);
        NDArray mask = inputs.size() > 3 ? inputs.get(3) : null;
        long b = query.getShape().get(0);
        long tq = query.getShape().get(1);
        long tk = key.getShape().get(1);
        int dh = dim / heads;
        NDArray qh = split(q.forward(ps, new NDList(query), training).singletonOrThrow(), b, tq, dh);
        NDArray kh = split(k.forward(ps, new NDList(key), training).singletonOrThrow(), b, tk, dh);
        NDArray vh = split(v.forward(ps, new NDList(value), training).singletonOrThrow(), b, tk, dh);
        NDArray scores = Scalars.mul(qh.matMul(kh.transpose(0, 1, 3, 2)), (float) (1.0 / Math.sqrt(dh)));
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray attn = scores.softmax(-1);
        NDArray ctx = attn.matMul(vh).transpose(0, 2, 1, 3).reshape(b, tq, dim);
        return out.forward(ps, new NDList(ctx), training);
    }

    private NDArray split(NDArray x, long b, long t, int dh) {
        return x.reshape(b, t, heads, dh).transpose(0, 2, 1, 3);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Linear l : new Linear[] {q, k, v, out}) {
            l.initialize(manager, dataType, new Shape(1, dim));
        }
    }
}
