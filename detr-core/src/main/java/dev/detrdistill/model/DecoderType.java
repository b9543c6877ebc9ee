package dev.detrdistill.model;

/** The decoder variants a {@link DetrConfig} can select. */
public enum DecoderType {
    /** DETR's decoder: learned query embeddings as positional queries, boxes predicted from scratch per stage. */
    PLAIN,
    /**
     * DAB/Conditional-style decoder: learned anchor boxes are the query prior, their sine embedding is
     * the positional query, and each stage refines the previous stage's boxes (converges much faster).
     */
    ANCHOR,
    /**
     * DAB/Conditional-DETR-style: as {@link #ANCHOR}, and cross-attention keeps content and position apart per
     * head ({@link ConditionalCrossAttention}): the positional query is the sine encoding of the reference box
     * centre, computed exactly like the keys' grid encoding and scaled by a transform of the content query, so
     * attention starts out looking near the box (converges fastest from scratch).
     */
    DAB;

    /** Whether the query prior is (N, 4) anchor boxes refined stage by stage. */
    public boolean usesAnchors() {
        return this != PLAIN;
    }
}
