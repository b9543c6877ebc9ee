package dev.detrdistill.data;

import java.nio.file.Path;
import java.util.List;

/** An image of a dataset: its id (unique within the dataset), file, original size and annotations. */
public record ImageEntry(String id, Path file, int width, int height, List<Annotation> annotations) {
    public ImageEntry {
        annotations = List.copyOf(annotations);
    }
}
