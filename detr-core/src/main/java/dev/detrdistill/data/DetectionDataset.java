package dev.detrdistill.data;

import java.util.List;

/**
 * A loaded detection dataset split: class names (index = class id used by models), images, and the
 * category id each class has in COCO files (COCO's own ids have gaps, 1..90 for 80 classes; datasets
 * from other formats number them 1..C).
 */
public record DetectionDataset(
        String name, List<String> classNames, List<ImageEntry> images, DataReport report, List<Integer> categoryIds) {
    public DetectionDataset {
        classNames = List.copyOf(classNames);
        images = List.copyOf(images);
        categoryIds = List.copyOf(categoryIds);
        if (categoryIds.size() != classNames.size()) {
            throw new IllegalArgumentException("dataset " + name + " has " + classNames.size() + " classes but "
                    + categoryIds.size() + " category ids");
        }
    }

    /** A dataset whose category ids are 1..C. */
    public DetectionDataset(String name, List<String> classNames, List<ImageEntry> images, DataReport report) {
        this(
                name,
                classNames,
                images,
                report,
                java.util.stream.IntStream.rangeClosed(1, classNames.size())
                        .boxed()
                        .toList());
    }

    /** The COCO category id of class index {@code c}. */
    public int categoryId(int c) {
        return categoryIds.get(c);
    }

    public int numClasses() {
        return classNames.size();
    }

    public int numObjects() {
        return images.stream().mapToInt(i -> i.annotations().size()).sum();
    }

    public DetectionDataset limit(int maxImages) {
        return maxImages <= 0 || maxImages >= images.size()
                ? this
                : new DetectionDataset(name, classNames, images.subList(0, maxImages), report, categoryIds);
    }
}
