package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** A ResNet basic block at constant width: {@code relu(x + bn(conv(relu(bn(conv(x))))))}, shape-preserving. */
public final class ResidualUnit extends AbstractBlock {
    private final int channels;
    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final Conv2d conv2;
    private final BatchNorm bn2;

    public ResidualUnit(int channels) {
        this.channels = channels;
        conv1 = addChildBlock("conv1", conv3x3(channels, 1));
        bn1 = addChildBlock("bn1", BatchNorm.builder().build());
        conv2 = addChildBlock("conv2", conv3x3(channels, 1));
        bn2 = addChildBlock("bn2", BatchNorm.builder().build());
    }

    static Conv2d conv3x3(int channels, int stride) {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(1, 1))
                .setFilters(channels)
                .optBias(false)
                .build();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDList h = conv1.forward(ps, inputs, training);
        h = new NDList(Activation.relu(bn1.forward(ps, h, training).singletonOrThrow()));
        h = bn2.forward(ps, conv2.forward(ps, h, training), training);
        return new NDList(Activation.relu(x.add(h.singletonOrThrow())));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = new Shape(1, channels, 8, 8);
        conv1.initialize(manager, dataType, s);
        bn1.initialize(manager, dataType, s);
        conv2.initialize(manager, dataType, s);
        bn2.initialize(manager, dataType, s);
    }
}
