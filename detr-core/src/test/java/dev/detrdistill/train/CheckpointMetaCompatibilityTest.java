package dev.detrdistill.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detrdistill.model.DetrConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointMetaCompatibilityTest {
    @Test
    void aCheckpointWrittenBeforeVerticalFlipsReadsAsNoVerticalFlips() throws Exception {
        TrainOptions options = TrainOptions.defaults();
        CheckpointMeta meta = new CheckpointMeta(
                CheckpointMeta.FORMAT_VERSION, DetrConfig.tiny(3, 64), List.of("a", "b", "c"), 12, options);
        ObjectNode json = Checkpoint.JSON.valueToTree(meta);
        ((ObjectNode) json.get("options")).remove("verticalFlipProb"); // as every checkpoint before the option
        CheckpointMeta read = Checkpoint.JSON.treeToValue(json, CheckpointMeta.class);
        assertEquals(0.0, read.options().verticalFlipProb());
        assertEquals(meta, read);
    }
}
