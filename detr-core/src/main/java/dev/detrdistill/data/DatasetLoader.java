package dev.detrdistill.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens a dataset by path, detecting its format: a VOC root (or a folder holding exactly one), a
 * folder with {@code <split>.json} and {@code images/} (the synthetic layout), or a COCO JSON file.
 */
public final class DatasetLoader {
    private DatasetLoader() {}

    public static DetectionDataset load(Path path, String split) {
        return load(path, split, null);
    }

    public static DetectionDataset load(Path path, String split, List<String> classNames) {
        if (!Files.exists(path)) {
            throw new DataFormatException("dataset path " + path + " does not exist");
        }
        if (Files.isRegularFile(path)) {
            if (!CocoReader.looksLikeCoco(path)) {
                throw new DataFormatException(path + " is a file but not a COCO .json file");
            }
            Path images =
                    Files.isDirectory(path.resolveSibling("images")) ? path.resolveSibling("images") : path.getParent();
            return CocoReader.read(path, images);
        }
        if (VocReader.isVocRoot(path)) {
            return VocReader.read(path, split, classNames);
        }
        Path json = path.resolve(split + ".json");
        if (Files.isRegularFile(json)) {
            return CocoReader.read(json, path.resolve("images"));
        }
        Path cocoStyle = path.resolve("annotations/instances_" + split + ".json");
        if (Files.isRegularFile(cocoStyle)) {
            return CocoReader.read(cocoStyle, path.resolve(split));
        }
        try (var children = Files.list(path)) {
            List<Path> voc = children.filter(VocReader::isVocRoot).toList();
            if (voc.size() == 1) {
                return VocReader.read(voc.get(0), split, classNames);
            }
        } catch (IOException e) {
            throw new DataFormatException("cannot list " + path + ": " + e.getMessage(), e);
        }
        throw new DataFormatException("cannot tell the format of " + path + ": expected a VOC folder (Annotations/, "
                + "JPEGImages/), a folder with " + split + ".json and images/, or a COCO .json file");
    }
}
