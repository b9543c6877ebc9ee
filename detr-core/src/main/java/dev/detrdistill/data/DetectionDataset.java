package dev.detrdistill.data;

import java.util.List;

/** A loaded detection dataset split: class names (index = class id used by models) and images. */
public record DetectionDataset(String name, List<String> classNames, List<ImageEntry> images, DataReport report) {
    public DetectionDataset {
        classNames = List.copyOf(classNames);
        images = List.copyOf(images);
    }

    public int numClasses() {
        return classNames.size();
    }

    public int numObjects() {
        return images.stream().mapToInt(i -> i.annotations().size()).sum();
    }

    public DetectionDataset limit(int maxImages) {
        return maxImages <= 0 || maxImages >= images.size() ? this
                : new DetectionDataset(name, classNames, images.subList(0, maxImages), report);
    }
}
