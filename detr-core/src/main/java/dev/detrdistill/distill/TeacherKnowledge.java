package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import dev.detrdistill.matching.Assignment;
import java.util.List;

/**
 * What a teacher knows about one batch of image views, whether it came from a teacher run in this
 * process or from decoded Kafka records. All arrays are constants (no gradient).
 *
 * @param logits per teacher stage {@code (B, N_T, C)}
 * @param boxes per teacher stage {@code (B, N_T, 4)} normalised cxcywh
 * @param embeddings per teacher stage {@code (B, N_T, d_T)} decoder output embeddings
 * @param assignments per teacher stage, per image: the teacher's Hungarian assignment of its queries
 *     (rows) to the ground truth (columns)
 * @param features per feature level {@code (B, d_T, h_l, w_l)}: the maps that enter the teacher's encoder
 *     (after its input projection)
 * @param featureMasks per teacher stage, per feature level {@code (B, h_l, w_l)}: the attention-agnostic
 *     feature mask in [0.01, 1]
 * @param queryPrior {@code (N_T, P_T)} the teacher's learned query prior
 */
public record TeacherKnowledge(
        List<NDArray> logits,
        List<NDArray> boxes,
        List<NDArray> embeddings,
        List<List<Assignment>> assignments,
        List<NDArray> features,
        List<List<NDArray>> featureMasks,
        NDArray queryPrior) {

    public TeacherKnowledge {
        if (features.isEmpty()) {
            throw new IllegalArgumentException("teacher knowledge needs at least one feature level");
        }
        for (List<NDArray> stage : featureMasks) {
            if (stage.size() != features.size()) {
                throw new IllegalArgumentException(
                        "a stage has " + stage.size() + " feature masks for " + features.size() + " feature levels");
            }
        }
    }

    public int numFeatureLevels() {
        return features.size();
    }

    public int numStages() {
        return logits.size();
    }

    public int numQueries() {
        return (int) logits.get(0).getShape().get(1);
    }

    public int featureWidth() {
        return (int) features.get(0).getShape().get(1);
    }
}
