package dev.detrdistill.stream;

/** Kafka keys of the project's records: one place, so producer, trainer and tools agree on them. */
public final class RecordKeys {
    private RecordKeys() {}

    /** A teacher record: one view of one image of one dataset. */
    public static String view(String datasetId, String imageId, int viewId) {
        return datasetId + "/" + imageId + "/" + viewId;
    }

    /** A teacher card: one per teacher version, on {@code <topic>.cards}. */
    public static String card(String teacherId, int version) {
        return teacherId + "/" + version;
    }
}
