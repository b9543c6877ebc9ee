package dev.detrdistill.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import java.util.List;

/**
 * The convolutional trunk: per stage a strided 3x3 conv + BN + ReLU followed by {@code blocksPerStage}
 * residual basic blocks, then a 1x1 projection to the transformer width. Input {@code (B, 3, H, W)},
 * output {@code (B, d, H/stride, W/stride)}.
 */
public final class Backbone {
    private Backbone() {}

    public static SequentialBlock build(List<Integer> widths, int blocksPerStage, int hiddenDim) {
        SequentialBlock trunk = new SequentialBlock();
        for (int w : widths) {
            trunk.add(ResidualUnit.conv3x3(w, 2));
            trunk.add(BatchNorm.builder().build());
            trunk.add(Activation::relu);
            for (int b = 0; b < blocksPerStage; b++) {
                trunk.add(new ResidualUnit(w));
            }
        }
        trunk.add(Conv2d.builder()
                .setKernelShape(new Shape(1, 1))
                .setFilters(hiddenDim)
                .build());
        return trunk;
    }
}
