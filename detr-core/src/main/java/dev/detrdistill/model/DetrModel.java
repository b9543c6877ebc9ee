package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;
import java.util.List;
import java.util.Optional;

/**
 * A DETR-family detector: backbone, transformer encoder (0..n layers), and a K-stage decoder over N
 * learned queries. Input images {@code (B, 3, S, S)}, normalised; see {@link #detect}.
 */
public final class DetrModel extends AbstractBlock {
    /** Focal-loss prior: class logits start at -log((1-0.01)/0.01) so early training is not swamped by negatives. */
    private static final float CLASS_BIAS_PRIOR = (float) -Math.log((1 - 0.01) / 0.01);

    private final DetrConfig config;
    private final Block backbone;
    private final EncoderLayer[] encoder;
    private final DetrDecoder decoder;
    private final Parameter queryPrior;

    public DetrModel(DetrConfig config) {
        this.config = config.validate();
        backbone = addChildBlock(
                "backbone",
                config.pretrained() != null
                        ? config.pretrained().isTorchScript()
                                ? new TorchScriptBackbone(config.pretrained(), config.hiddenDim())
                                : new ImportedBackbone(config.pretrained(), config.hiddenDim())
                        : Backbone.build(config.backboneWidths(), config.blocksPerStage(), config.hiddenDim()));
        encoder = new EncoderLayer[config.encoderLayers()];
        for (int i = 0; i < encoder.length; i++) {
            encoder[i] = addChildBlock(
                    "encoder" + i, new EncoderLayer(config.hiddenDim(), config.numHeads(), config.ffnDim()));
        }
        decoder = addChildBlock("decoder", new DetrDecoder(config));
        queryPrior = addParameter(Parameter.builder()
                .setName("query_prior")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.numQueries(), config.queryPriorWidth()))
                .build());
    }

    public DetrConfig config() {
        return config;
    }

    /**
     * Learning-rate multiplier of one parameter: a fine-tuned pretrained backbone's imported weights train at
     * {@link PretrainedBackbone#lrScale} of the detector's rate, everything else at 1.
     */
    public java.util.function.ToDoubleFunction<Parameter> learningRateScales() {
        if (!(backbone instanceof ImportedBackbone imported)) {
            return p -> 1.0;
        }
        java.util.Set<Parameter> slow = imported.importedParameters();
        double scale = imported.spec().lrScale();
        return p -> slow.contains(p) ? scale : 1.0;
    }

    /** Creates the model's parameters on {@code manager}; call once, after seeding the engine for reproducibility. */
    public DetrModel initializeParameters(NDManager manager) {
        setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
        setInitializer(config.decoder().usesAnchors() ? anchorInitializer() : new XavierInitializer(), "query_prior");
        decoder.classHead().setInitializer(new ConstantInitializer(CLASS_BIAS_PRIOR), Parameter.Type.BIAS);
        if (config.decoder().usesAnchors()) {
            // Box deltas start at zero, so every stage first predicts its anchors: the queries begin spread
            // over the image and matching is stable from the first step (as Deformable DETR initialises it).
            decoder.boxHead().lastLayer().setInitializer(new ConstantInitializer(0f), Parameter.Type.WEIGHT);
        }
        initialize(manager, DataType.FLOAT32, new Shape(1, 3, config.imageSize(), config.imageSize()));
        return this;
    }

    /** Anchors spread uniformly over the image with small sizes, stored in logit space. */
    public static Initializer anchorInitializer() {
        return (manager, shape, dataType) -> {
            long n = shape.get(0);
            NDArray xy = manager.randomUniform(0.05f, 0.95f, new Shape(n, 2));
            NDArray wh = manager.randomUniform(0.05f, 0.3f, new Shape(n, 2));
            NDArray boxes = NDArrays.concat(new NDList(xy, wh), 1);
            NDArray one = manager.create(1f);
            return boxes.div(one.sub(boxes)).log();
        };
    }

    /** Forward pass with everything distillation needs. */
    public DetrOutput detect(ParameterStore ps, NDArray images, boolean training) {
        return detect(ps, images, null, training);
    }

    /**
     * Forward pass with an optional extra query group {@code (B, M, P)} that goes through the same decoder
     * but neither attends to nor is attended by the model's own queries (block-diagonal self-attention).
     */
    public DetrOutput detect(ParameterStore ps, NDArray images, NDArray extraPrior, boolean training) {
        NDArray feat = backbone.forward(ps, new NDList(images), training).singletonOrThrow(); // (B,d,h,w)
        Shape fs = feat.getShape();
        long b = fs.get(0);
        int d = config.hiddenDim();
        int h = (int) fs.get(2);
        int w = (int) fs.get(3);
        NDArray tokens = feat.reshape(b, d, (long) h * w).transpose(0, 2, 1); // (B,T,d)
        NDArray pos = PositionEncoding.grid(images.getManager(), h, w, d);
        for (EncoderLayer layer : encoder) {
            tokens = layer.forward(ps, new NDList(tokens, pos), training).singletonOrThrow();
        }
        // Feature distillation compares the maps that enter the encoder (one level here), not its memory.
        List<NDArray> encoderInputs = List.of(feat);
        NDArray prior = ps.getValue(queryPrior, images.getDevice(), training);
        NDArray own = prior.expandDims(0)
                .broadcast(b, prior.getShape().get(0), prior.getShape().get(1));
        if (extraPrior == null) {
            DecoderOutput out = decoder.decode(ps, tokens, pos, own, null, training);
            return new DetrOutput(out, Optional.empty(), encoderInputs, prior);
        }
        int n = config.numQueries();
        long m = extraPrior.getShape().get(1);
        NDArray all = NDArrays.concat(new NDList(own, extraPrior), 1);
        NDArray mask = groupMask(images.getManager(), n, (int) m);
        DecoderOutput both = decoder.decode(ps, tokens, pos, all, mask, training);
        return new DetrOutput(slice(both, 0, n), Optional.of(slice(both, n, n + m)), encoderInputs, prior);
    }

    private static NDArray groupMask(NDManager manager, int n, int m) {
        int t = n + m;
        float[] mask = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                mask[i * t + j] = (i < n) == (j < n) ? 0f : PositionEncoding.blocked();
            }
        }
        return manager.create(mask, new Shape(t, t));
    }

    private static DecoderOutput slice(DecoderOutput out, long from, long to) {
        String idx = ":, " + from + ":" + to;
        return new DecoderOutput(
                out.logits().stream().map(a -> a.get(idx)).toList(),
                out.boxes().stream().map(a -> a.get(idx)).toList(),
                out.embeddings().stream().map(a -> a.get(idx)).toList());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        DecoderOutput out = detect(ps, inputs.singletonOrThrow(), training).queries();
        return new NDList(out.lastLogits(), out.lastBoxes());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long b = inputShapes[0].get(0);
        return new Shape[] {new Shape(b, config.numQueries(), config.numClasses()), new Shape(b, config.numQueries(), 4)
        };
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        backbone.initialize(manager, dataType, inputShapes[0]);
        Shape tokens = new Shape(1, 1, config.hiddenDim());
        for (EncoderLayer e : encoder) {
            e.initialize(manager, dataType, tokens, tokens);
        }
        decoder.initialize(manager, dataType, tokens, tokens, new Shape(1, 1, config.queryPriorWidth()));
    }
}
