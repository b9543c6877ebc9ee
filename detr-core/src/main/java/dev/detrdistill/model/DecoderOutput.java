package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Per-stage predictions of one query group.
 *
 * @param logits per stage {@code (B, N, C)} class logits (sigmoid classification)
 * @param boxes per stage {@code (B, N, 4)} normalised cxcywh boxes
 * @param embeddings per stage {@code (B, N, d)} decoder output embeddings (after the output norm)
 */
public record DecoderOutput(List<NDArray> logits, List<NDArray> boxes, List<NDArray> embeddings) {
    public int numStages() {
        return logits.size();
    }

    public NDArray lastLogits() {
        return logits.get(logits.size() - 1);
    }

    public NDArray lastBoxes() {
        return boxes.get(boxes.size() - 1);
    }
}
