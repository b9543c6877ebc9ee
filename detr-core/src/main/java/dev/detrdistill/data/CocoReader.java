package dev.detrdistill.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.box.Box;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads COCO instances JSON. Category ids are mapped to contiguous class indices in id order; the
 * original ids are kept in {@link CocoCategories} for writing results back in COCO form. Image ids
 * become strings.
 */
public final class CocoReader {
    private CocoReader() {}

    /** @param imageDir folder that {@code file_name} is relative to */
    public static DetectionDataset read(Path json, Path imageDir) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json.toFile());
        } catch (IOException e) {
            throw new DataFormatException("cannot parse COCO file " + json + ": " + e.getMessage(), e);
        }
        if (root == null || !root.has("images") || !root.has("categories")) {
            throw new DataFormatException("COCO file " + json + " has no 'images' or 'categories' (is it empty?)");
        }
        TreeMap<Integer, String> cats = new TreeMap<>();
        for (JsonNode c : root.get("categories")) {
            cats.put(c.get("id").asInt(), c.get("name").asText());
        }
        if (cats.isEmpty()) {
            throw new DataFormatException("COCO file " + json + " defines no categories");
        }
        List<Integer> catIds = new ArrayList<>(cats.keySet());
        Map<String, JsonNode> imagesById = new LinkedHashMap<>();
        for (JsonNode im : root.get("images")) {
            imagesById.put(im.get("id").asText(), im);
        }
        Map<String, List<Annotation>> anns = new HashMap<>();
        DataReport report = new DataReport();
        JsonNode annNodes = root.path("annotations");
        int k = 0;
        for (JsonNode a : annNodes) {
            String imageId = a.get("image_id").asText();
            JsonNode im = imagesById.get(imageId);
            String where = json.getFileName() + " annotation " + a.path("id").asText(String.valueOf(k));
            k++;
            if (im == null) {
                throw new DataFormatException(where + " refers to unknown image_id " + imageId);
            }
            int cls = catIds.indexOf(a.get("category_id").asInt());
            if (cls < 0) {
                throw new DataFormatException(where + " has unknown category_id " + a.get("category_id").asText());
            }
            JsonNode bb = a.get("bbox");
            if (bb == null || bb.size() != 4) {
                throw new DataFormatException(where + " has no 4-number bbox");
            }
            Box box = Box.fromXywh(bb.get(0).asDouble(), bb.get(1).asDouble(), bb.get(2).asDouble(), bb.get(3).asDouble());
            boolean crowd = a.path("iscrowd").asInt(0) == 1;
            Optional<Box> ok = BoxValidator.check(box, im.get("width").asInt(), im.get("height").asInt(), where, report);
            ok.ifPresent(b -> anns.computeIfAbsent(imageId, x -> new ArrayList<>()).add(new Annotation(b, cls, crowd)));
        }
        List<ImageEntry> images = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : imagesById.entrySet()) {
            JsonNode im = e.getValue();
            images.add(new ImageEntry(e.getKey(), imageDir.resolve(im.get("file_name").asText()),
                    im.get("width").asInt(), im.get("height").asInt(), anns.getOrDefault(e.getKey(), List.of())));
        }
        if (images.isEmpty()) {
            throw new DataFormatException("COCO file " + json + " lists no images");
        }
        return new DetectionDataset(json.getFileName().toString(), List.copyOf(cats.values()), images, report);
    }

    /** The original COCO category ids of a file, in class-index order. */
    public static List<Integer> categoryIds(Path json) {
        try {
            JsonNode root = new ObjectMapper().readTree(json.toFile());
            TreeMap<Integer, String> cats = new TreeMap<>();
            for (JsonNode c : root.get("categories")) {
                cats.put(c.get("id").asInt(), c.get("name").asText());
            }
            return List.copyOf(cats.keySet());
        } catch (IOException | NullPointerException e) {
            throw new DataFormatException("cannot read categories of COCO file " + json, e);
        }
    }

    /** True when the file can be read at all; used by format detection. */
    static boolean looksLikeCoco(Path json) {
        return Files.isRegularFile(json) && json.toString().endsWith(".json");
    }
}
