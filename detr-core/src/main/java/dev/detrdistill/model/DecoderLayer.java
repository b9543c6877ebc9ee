package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One post-norm decoder stage: self-attention among queries, cross-attention to the encoder memory,
 * feed-forward.
 *
 * <p>Inputs: target {@code (B, N, d)}, query position {@code (B, N, d)}, memory {@code (B, T, d)},
 * memory position {@code (B or 1, T, d)}, and optionally a self-attention mask {@code (N, N)}
 * (additive; used to keep query groups from attending to each other). Output {@code (B, N, d)}.
 */
public final class DecoderLayer extends AbstractBlock {
    private final int dim;
    private final MultiHeadAttention selfAttn;
    private final MultiHeadAttention crossAttn;
    private final FeedForward ffn;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final LayerNorm norm3;

    public DecoderLayer(int dim, int heads, int ffnDim) {
        this.dim = dim;
        selfAttn = addChildBlock("self_attn", new MultiHeadAttention(dim, heads));
        crossAttn = addChildBlock("cross_attn", new MultiHeadAttention(dim, heads));
        ffn = addChildBlock("ffn", new FeedForward(dim, ffnDim, dim));
        norm1 = addChildBlock("norm1", LayerNorm.builder().axis(2).build());
        norm2 = addChildBlock("norm2", LayerNorm.builder().axis(2).build());
        norm3 = addChildBlock("norm3", LayerNorm.builder().axis(2).build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray tgt = inputs.get(0);
        NDArray queryPos = inputs.get(1);
        NDArray memory = inputs.get(2);
        NDArray memoryPos = inputs.get(3);
        NDArray selfMask = inputs.size() > 4 ? inputs.get(4) : null;
        NDArray qk = tgt.add(queryPos);
        NDList saIn = selfMask == null ? new NDList(qk, qk, tgt) : new NDList(qk, qk, tgt, selfMask);
        NDArray sa = selfAttn.forward(ps, saIn, training).singletonOrThrow();
        tgt = norm1.forward(ps, new NDList(tgt.add(sa)), training).singletonOrThrow();
        NDArray ca = crossAttn
                .forward(ps, new NDList(tgt.add(queryPos), memory.add(memoryPos), memory), training)
                .singletonOrThrow();
        tgt = norm2.forward(ps, new NDList(tgt.add(ca)), training).singletonOrThrow();
        NDArray f = ffn.forward(ps, new NDList(tgt), training).singletonOrThrow();
        return norm3.forward(ps, new NDList(tgt.add(f)), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape tokens = new Shape(1, 1, dim);
        selfAttn.initialize(manager, dataType, tokens, tokens, tokens);
        crossAttn.initialize(manager, dataType, tokens, tokens, tokens);
        ffn.initialize(manager, dataType, tokens);
        norm1.initialize(manager, dataType, tokens);
        norm2.initialize(manager, dataType, tokens);
        norm3.initialize(manager, dataType, tokens);
    }
}
