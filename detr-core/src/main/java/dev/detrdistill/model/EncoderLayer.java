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
 * DETR's post-norm encoder layer. Inputs: tokens {@code (B, T, d)} and their positional encoding
 * {@code (B or 1, T, d)}; output tokens {@code (B, T, d)}.
 */
public final class EncoderLayer extends AbstractBlock {
    private final int dim;
    private final MultiHeadAttention selfAttn;
    private final FeedForward ffn;
    private final LayerNorm norm1;
    private final LayerNorm norm2;

    public EncoderLayer(int dim, int heads, int ffnDim) {
        this.dim = dim;
        selfAttn = addChildBlock("self_attn", new MultiHeadAttention(dim, heads));
        ffn = addChildBlock("ffn", new FeedForward(dim, ffnDim, dim));
        norm1 = addChildBlock("norm1", LayerNorm.builder().axis(2).build());
        norm2 = addChildBlock("norm2", LayerNorm.builder().axis(2).build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray src = inputs.get(0);
        NDArray pos = inputs.get(1);
        NDArray qk = src.add(pos);
        NDArray a = selfAttn.forward(ps, new NDList(qk, qk, src), training).singletonOrThrow();
        src = norm1.forward(ps, new NDList(src.add(a)), training).singletonOrThrow();
        NDArray f = ffn.forward(ps, new NDList(src), training).singletonOrThrow();
        return norm2.forward(ps, new NDList(src.add(f)), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape tokens = new Shape(1, 1, dim);
        selfAttn.initialize(manager, dataType, tokens, tokens, tokens);
        ffn.initialize(manager, dataType, tokens);
        norm1.initialize(manager, dataType, tokens);
        norm2.initialize(manager, dataType, tokens);
    }
}
