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
    private final ConditionalCrossAttention conditionalAttn;
    private final FeedForward ffn;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final LayerNorm norm3;

    public DecoderLayer(int dim, int heads, int ffnDim) {
        this(dim, heads, ffnDim, false, false);
    }

    /**
     * @param conditional cross-attention with content and position kept apart per head ({@link
     *     ConditionalCrossAttention}); else DETR's additive cross-attention
     * @param first whether this is the decoder's first stage (matters only when conditional)
     */
    public DecoderLayer(int dim, int heads, int ffnDim, boolean conditional, boolean first) {
        this.dim = dim;
        selfAttn = addChildBlock("self_attn", new MultiHeadAttention(dim, heads));
        crossAttn = conditional ? null : addChildBlock("cross_attn", new MultiHeadAttention(dim, heads));
        conditionalAttn =
                conditional ? addChildBlock("cross_attn", new ConditionalCrossAttention(dim, heads, first)) : null;
        ffn = addChildBlock("ffn", new FeedForward(dim, ffnDim, dim));
        norm1 = addChildBlock("norm1", LayerNorm.builder().axis(2).build());
        norm2 = addChildBlock("norm2", LayerNorm.builder().axis(2).build());
        norm3 = addChildBlock("norm3", LayerNorm.builder().axis(2).build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray selfMask = inputs.size() > 4 ? inputs.get(4) : null;
        return new NDList(
                apply(ps, inputs.get(0), inputs.get(1), null, inputs.get(2), inputs.get(3), selfMask, training));
    }

    /**
     * One stage. {@code querySine} (the scaled sine encoding of the reference points, {@code (B, N, d)}) is used
     * by conditional cross-attention only; {@code selfMask} may be null.
     */
    public NDArray apply(
            ParameterStore ps,
            NDArray tgt,
            NDArray queryPos,
            NDArray querySine,
            NDArray memory,
            NDArray memoryPos,
            NDArray selfMask,
            boolean training) {
        NDArray qk = tgt.add(queryPos);
        NDList saIn = selfMask == null ? new NDList(qk, qk, tgt) : new NDList(qk, qk, tgt, selfMask);
        NDArray sa = selfAttn.forward(ps, saIn, training).singletonOrThrow();
        tgt = norm1.forward(ps, new NDList(tgt.add(sa)), training).singletonOrThrow();
        NDArray ca = conditionalAttn != null
                ? conditionalAttn.attend(ps, tgt, queryPos, querySine, memory, memoryPos, training)
                : crossAttn
                        .forward(ps, new NDList(tgt.add(queryPos), memory.add(memoryPos), memory), training)
                        .singletonOrThrow();
        tgt = norm2.forward(ps, new NDList(tgt.add(ca)), training).singletonOrThrow();
        NDArray f = ffn.forward(ps, new NDList(tgt), training).singletonOrThrow();
        return norm3.forward(ps, new NDList(tgt.add(f)), training).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape tokens = new Shape(1, 1, dim);
        selfAttn.initialize(manager, dataType, tokens, tokens, tokens);
        if (crossAttn != null) {
            crossAttn.initialize(manager, dataType, tokens, tokens, tokens);
        } else {
            conditionalAttn.initialize(manager, dataType, tokens, tokens, tokens, tokens, tokens);
        }
        ffn.initialize(manager, dataType, tokens);
        norm1.initialize(manager, dataType, tokens);
        norm2.initialize(manager, dataType, tokens);
        norm3.initialize(manager, dataType, tokens);
    }
}
