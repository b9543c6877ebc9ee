package dev.detrdistill.data;

import dev.detrdistill.box.Box;

/**
 * One ground-truth object: a box in image pixels (xyxy), a class index into the dataset's class names,
 * whether it is a crowd region, and the area COCO evaluation sorts it by.
 *
 * @param area the file's own {@code area} (COCO: the segment's area, not the box's); NaN when the
 *     dataset gives none, and then the box area is used
 */
public record Annotation(Box box, int classIndex, boolean crowd, double area) {
    public Annotation(Box box, int classIndex) {
        this(box, classIndex, false, Double.NaN);
    }

    public Annotation(Box box, int classIndex, boolean crowd) {
        this(box, classIndex, crowd, Double.NaN);
    }

    /** The area for COCO's small/medium/large ranges: the file's {@code area} when given, as pycocotools does. */
    public double evaluationArea() {
        return Double.isNaN(area) ? box.area() : area;
    }
}
