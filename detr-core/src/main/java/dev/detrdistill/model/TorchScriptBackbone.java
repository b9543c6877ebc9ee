package dev.detrdistill.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import ai.djl.util.PairList;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A frozen TorchScript network as the backbone: any torchvision/timm trunk a user exports with {@code
 * torch.jit.trace} that maps ImageNet-normalised images {@code (B, 3, S, S)} (the detector's own normalisation)
 * to one feature map {@code (B, C, S/stride, S/stride)}. Its output is projected to d by a 1x1 conv and a group
 * norm, as {@link ImportedBackbone} does. Frozen only: its weights are not the detector's parameters (they stay in
 * the file the config names, which a checkpoint refers to), and it runs without gradients.
 */
public final class TorchScriptBackbone extends AbstractBlock {
    /** Loaded once per file and JVM: several detectors (students of one job) share it read-only. */
    private static final Map<Path, ZooModel<NDList, NDList>> LOADED = new ConcurrentHashMap<>();

    private final PretrainedBackbone spec;
    private final int hiddenDim;
    private final ZooModel<NDList, NDList> network;
    private final InputProjection projection;
    private final FrozenTapCache cache; // null when caching is off

    public TorchScriptBackbone(PretrainedBackbone spec, int hiddenDim) {
        if (!spec.freeze()) {
            throw new IllegalArgumentException("detector config: pretrained.freeze=false with TorchScript file "
                    + spec.file() + ": TorchScript backbones are used frozen (set freeze: true)");
        }
        if (spec.strides().size() != 1) {
            throw new IllegalArgumentException("detector config: pretrained.strides=" + spec.strides()
                    + ": a TorchScript backbone has one output, give its one stride");
        }
        this.spec = spec;
        this.hiddenDim = hiddenDim;
        Path file = Path.of(spec.file()).toAbsolutePath().normalize();
        this.network = LOADED.computeIfAbsent(file, TorchScriptBackbone::load);
        projection = addChildBlock("proj", new InputProjection(hiddenDim));
        cache = FrozenTapCache.shared("torchscript " + file);
    }

    private static ZooModel<NDList, NDList> load(Path file) {
        try {
            return Criteria.builder()
                    .setTypes(NDList.class, NDList.class)
                    .optModelPath(file)
                    .optEngine("PyTorch")
                    .optDevice(Devices.current())
                    .optTranslator(new NoopTranslator())
                    .build()
                    .loadModel();
        } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "detector config: pretrained.file=" + file + " cannot be loaded as TorchScript: " + e.getMessage(),
                    e);
        }
    }

    /** The network's own output for normalised images, without gradients. */
    NDArray features(NDArray images) {
        NDList out =
                network.getBlock().forward(new ParameterStore(images.getManager(), false), new NDList(images), false);
        out.attach(images.getManager());
        if (out.isEmpty() || out.head().getShape().dimension() != 4) {
            throw new IllegalStateException("TorchScript backbone " + spec.file() + " returned " + out.getShapes()
                    + "; expected one (B, C, H, W) feature map");
        }
        return out.head().stopGradient();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray images = inputs.singletonOrThrow();
        NDArray f = cache == null
                ? features(images)
                : cache.outputs(images, batch -> new NDList(features(batch))).singletonOrThrow();
        long expected = images.getShape().get(2) / spec.finestStride();
        if (f.getShape().get(2) != expected) {
            throw new IllegalStateException("TorchScript backbone " + spec.file() + " maps " + images.getShape()
                    + " to " + f.getShape() + ", not stride " + spec.finestStride() + " as pretrained.strides says");
        }
        return projection.forward(ps, new NDList(f), training);
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
        try (NDManager probe = manager.newSubManager()) {
            Shape f =
                    features(probe.zeros(new Shape(1, 3, in.get(2), in.get(3)))).getShape();
            projection.initialize(manager, dataType, new Shape(1, f.get(1), f.get(2), f.get(3)));
        }
    }
}
