package dev.detrdistill.data;

import dev.detrdistill.box.Box;

/** One ground-truth object: a box in image pixels (xyxy) and a class index into the dataset's class names. */
public record Annotation(Box box, int classIndex, boolean crowd) {
    public Annotation(Box box, int classIndex) {
        this(box, classIndex, false);
    }
}
