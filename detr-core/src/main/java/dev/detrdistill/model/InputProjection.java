package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A pretrained backbone's output into the transformer: a 1x1 conv to d, then a group norm (32 groups, fewer when d
 * is small), as Deformable DETR's input projection. Imported activations reach ~90; without the norm they would
 * drown the sine positions added next. {@code (B, C, H, W)} to {@code (B, d, H, W)}.
 */
final class InputProjection extends AbstractBlock {
    private final int hiddenDim;
    private final int groups;
    private final Conv2d conv;
    private final Parameter gamma;
    private final Parameter beta;

    InputProjection(int hiddenDim) {
        this.hiddenDim = hiddenDim;
        this.groups = hiddenDim % 32 == 0 ? 32 : hiddenDim % 8 == 0 ? 8 : 1;
        conv = addChildBlock(
                "conv",
                Conv2d.builder()
                        .setKernelShape(new Shape(1, 1))
                        .setFilters(hiddenDim)
                        .build());
        gamma = addParameter(Parameter.builder()
                .setName("norm_gamma")
                .setType(Parameter.Type.GAMMA)
                .optShape(new Shape(1, hiddenDim, 1, 1))
                .build());
        beta = addParameter(Parameter.builder()
                .setName("norm_beta")
                .setType(Parameter.Type.BETA)
                .optShape(new Shape(1, hiddenDim, 1, 1))
                .build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = conv.forward(ps, inputs, training).singletonOrThrow();
        Shape s = x.getShape();
        NDArray g = x.reshape(s.get(0), groups, -1);
        NDArray centred = g.sub(g.mean(new int[] {2}, true));
        NDArray var = centred.square().mean(new int[] {2}, true);
        NDArray normed = centred.div(var.add(1e-5f).sqrt()).reshape(s);
        return new NDList(normed.mul(ps.getValue(gamma, x.getDevice(), training))
                .add(ps.getValue(beta, x.getDevice(), training)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), hiddenDim, in.get(2), in.get(3))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv.initialize(manager, dataType, inputShapes[0]);
    }
}
