package dev.detrdistill.train;

import dev.detrdistill.model.DetrConfig;
import java.util.List;

/**
 * What a checkpoint folder says about itself ({@code checkpoint.json}).
 *
 * @param step optimizer steps done
 * @param options the training options of the run (null for exported weights)
 */
public record CheckpointMeta(
        int formatVersion, DetrConfig config, List<String> classNames, int step, TrainOptions options) {
    public static final int FORMAT_VERSION = 1;
}
