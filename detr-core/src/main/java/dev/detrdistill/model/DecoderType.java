package dev.detrdistill.model;

/** The decoder variants a {@link DetrConfig} can select. */
public enum DecoderType {
    /** DETR's decoder: learned query embeddings as positional queries, boxes predicted from scratch per stage. */
    PLAIN,
    /**
     * DAB/Conditional-style decoder: learned anchor boxes are the query prior, their sine embedding is
     * the positional query, and each stage refines the previous stage's boxes (converges much faster).
     */
    ANCHOR
}
