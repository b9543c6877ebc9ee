package dev.detrdistill.model;

import ai.djl.ndarray.NDArray;
import java.util.Optional;

/**
 * Everything a detector's forward pass exposes, because distillation needs all of it.
 *
 * @param queries the detector's own queries, per stage
 * @param extraGroup predictions of an extra query group (e.g. the teacher's prior in assignment
 *     distillation), run through the same decoder without attending to {@code queries}
 * @param features {@code (B, d, h, w)} the encoder memory the decoder attends to
 * @param queryPrior {@code (N, P)} the learned query prior fed to the decoder (P = d for the plain
 *     decoder's embeddings, 4 for anchor boxes in logit space)
 */
public record DetrOutput(DecoderOutput queries, Optional<DecoderOutput> extraGroup, NDArray features, NDArray queryPrior) {}
