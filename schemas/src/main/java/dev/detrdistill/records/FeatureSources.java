package dev.detrdistill.records;

/** Values of {@code TeacherCard.featureSource}: which maps the records' {@code features} hold. */
public final class FeatureSources {
    /**
     * The maps that enter the encoder (after the input projection): what feature distillation compares (cards v2 on).
     */
    public static final String ENCODER_INPUT = "encoder-input";
    /** The encoder's output memory: cards written before v2 (the field's default). */
    public static final String ENCODER_MEMORY = "encoder-memory";

    private FeatureSources() {}
}
