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
     * DAB-style: as {@link #ANCHOR}, and the positional query also carries the sine encoding of the
     * reference box centre computed exactly like the keys' grid encoding, so cross-attention starts out
     * looking near the box (the insight of Conditional/DAB-DETR; converges fastest from scratch).
     */
    DAB;

    /** Whether the query prior is (N, 4) anchor boxes refined stage by stage. */
    public boolean usesAnchors() {
        return this != PLAIN;
    }
}
