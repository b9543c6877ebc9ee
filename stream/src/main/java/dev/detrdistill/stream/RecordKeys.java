package dev.detrdistill.stream;

/** Kafka keys of the project's records: one place, so producer, trainer and tools agree on them. */
public final class RecordKeys {
    private RecordKeys() {}

    /**
     * A teacher record: one view of one image of one dataset, by one teacher version, so a retrained teacher (v2) on
     * the same topic is produced, not taken for v1's records.
     */
    public static String view(String teacherId, int teacherVersion, String datasetId, String imageId, int viewId) {
        return teacherId + "/" + teacherVersion + "/" + datasetId + "/" + imageId + "/" + viewId;
    }

    /** A teacher card: one per teacher version, on {@code <topic>.cards}. */
    public static String card(String teacherId, int version) {
        return teacherId + "/" + version;
    }
}
