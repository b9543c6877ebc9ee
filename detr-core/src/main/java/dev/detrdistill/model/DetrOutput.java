package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Optional;

/**
 * Everything a detector's forward pass exposes, because distillation needs all of it.
 *
 * @param queries the detector's own queries, per stage
 * @param extraGroup predictions of an extra query group (e.g. the teacher's prior in assignment
 *     distillation), run through the same decoder without attending to {@code queries}
 * @param features per feature level {@code (B, d, h_l, w_l)}: the maps that ENTER the encoder (after the
 *     input projection), which feature distillation compares; not the encoder's output memory
 * @param queryPrior {@code (N, P)} the learned query prior fed to the decoder (P = d for the plain
 *     decoder's embeddings, 4 for anchor boxes in logit space)
 */
public record DetrOutput(
        DecoderOutput queries, Optional<DecoderOutput> extraGroup, List<NDArray> features, NDArray queryPrior) {
    public DetrOutput {
        features = List.copyOf(features);
    }
}
