package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.detrdistill.box.Scalars;
import java.util.ArrayList;
import java.util.List;

/**
 * K decoder stages with class and box heads after every stage, in either {@link DecoderType} variant.
 * Heads are shared across stages (as DETR's auxiliary heads are).
 */
public final class DetrDecoder extends AbstractBlock {
    private final DetrConfig config;
    private final DecoderLayer[] layers;
    private final LayerNorm outNorm;
    private final Linear classHead;
    private final FeedForward boxHead;
    private final FeedForward anchorPosition;
    private final FeedForward queryScale;

    public DetrDecoder(DetrConfig config) {
        this.config = config;
        int d = config.hiddenDim();
        layers = new DecoderLayer[config.decoderLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = addChildBlock(
                    "layer" + i,
                    new DecoderLayer(
                            d, config.numHeads(), config.ffnDim(), config.decoder() == DecoderType.DAB, i == 0));
        }
        outNorm = addChildBlock("out_norm", LayerNorm.builder().axis(2).build());
        classHead = addChildBlock(
                "class_head", Linear.builder().setUnits(config.numClasses()).build());
        boxHead = addChildBlock("box_head", new FeedForward(d, d, d, 4));
        anchorPosition = config.decoder().usesAnchors() ? addChildBlock("anchor_pos", new FeedForward(d, d, d)) : null;
        // Conditional DETR's query_scale: the content query decides how strongly each positional channel counts.
        queryScale =
                config.decoder() == DecoderType.DAB ? addChildBlock("query_scale", new FeedForward(d, d, d)) : null;
    }

    Linear classHead() {
        return classHead;
    }

    FeedForward boxHead() {
        return boxHead;
    }

    /**
     * Runs the decoder.
     *
     * @param memory {@code (B, T, d)} encoder tokens
     * @param memoryPos {@code (1, T, d)} their positional encoding
     * @param prior {@code (B, N, P)} query prior per image
     * @param selfMask optional {@code (N, N)} additive self-attention mask
     */
    public DecoderOutput decode(
            ParameterStore ps, NDArray memory, NDArray memoryPos, NDArray prior, NDArray selfMask, boolean training) {
        long b = prior.getShape().get(0);
        long n = prior.getShape().get(1);
        int d = config.hiddenDim();
        NDArray tgt = memory.getManager().zeros(new Shape(b, n, d), memory.getDataType(), memory.getDevice());
        boolean anchor = config.decoder().usesAnchors();
        boolean aligned = config.decoder() == DecoderType.DAB;
        NDArray reference = anchor ? Activation.sigmoid(prior) : null;
        NDArray queryPos = anchor ? null : prior;
        List<NDArray> logits = new ArrayList<>();
        List<NDArray> boxes = new ArrayList<>();
        List<NDArray> embeddings = new ArrayList<>();
        for (int i = 0; i < layers.length; i++) {
            NDArray querySine = null;
            if (anchor) {
                queryPos = anchorPosition
                        .forward(ps, new NDList(PositionEncoding.boxes(reference, d)), training)
                        .singletonOrThrow();
                if (aligned) {
                    // The reference centre's encoding, exactly as the keys' grid is encoded; from the second
                    // stage on scaled per channel by a transform of the content query (1 in the first stage).
                    querySine = PositionEncoding.points(reference, d);
                    if (i > 0) {
                        querySine = querySine.mul(queryScale
                                .forward(ps, new NDList(tgt), training)
                                .singletonOrThrow());
                    }
                }
            }
            tgt = layers[i].apply(ps, tgt, queryPos, querySine, memory, memoryPos, selfMask, training);
            NDArray h = outNorm.forward(ps, new NDList(tgt), training).singletonOrThrow();
            logits.add(classHead.forward(ps, new NDList(h), training).singletonOrThrow());
            NDArray delta = boxHead.forward(ps, new NDList(h), training).singletonOrThrow();
            NDArray box;
            if (anchor) {
                box = Activation.sigmoid(Scalars.inverseSigmoid(reference).add(delta));
                // Each stage refines the previous stage's boxes; the reference itself is not back-propagated
                // through (as in Deformable/DAB-DETR), which stabilises training.
                reference = box.stopGradient();
            } else {
                box = Activation.sigmoid(delta);
            }
            boxes.add(box);
            embeddings.add(h);
        }
        return new DecoderOutput(logits, boxes, embeddings);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = inputs.size() > 3 ? inputs.get(3) : null;
        DecoderOutput out = decode(ps, inputs.get(0), inputs.get(1), inputs.get(2), mask, training);
        return new NDList(out.lastLogits(), out.lastBoxes());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape prior = inputShapes[2];
        return new Shape[] {
            new Shape(prior.get(0), prior.get(1), config.numClasses()), new Shape(prior.get(0), prior.get(1), 4)
        };
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape tokens = new Shape(1, 1, config.hiddenDim());
        for (DecoderLayer l : layers) {
            l.initialize(manager, dataType, tokens, tokens, tokens, tokens);
        }
        outNorm.initialize(manager, dataType, tokens);
        classHead.initialize(manager, dataType, new Shape(1, config.hiddenDim()));
        boxHead.initialize(manager, dataType, tokens);
        if (anchorPosition != null) {
            anchorPosition.initialize(manager, dataType, tokens);
        }
        if (queryScale != null) {
            queryScale.initialize(manager, dataType, tokens);
        }
    }
}
