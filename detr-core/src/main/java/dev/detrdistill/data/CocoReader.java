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
 * original ids are kept in the dataset ({@link DetectionDataset#categoryIds()}) for writing results back
 * in COCO form. Each annotation keeps its {@code area}. Image ids become strings. A missing required
 * field is an error naming the file, the entry and the field.
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
        TreeMap<Integer, String> cats = categories(root, json);
        if (cats.isEmpty()) {
            throw new DataFormatException("COCO file " + json + " defines no categories");
        }
        List<Integer> catIds = new ArrayList<>(cats.keySet());
        Map<String, JsonNode> imagesById = new LinkedHashMap<>();
        int n = 0;
        for (JsonNode im : root.get("images")) {
            String where = json.getFileName() + " images[" + n++ + "]";
            for (String field : new String[] {"id", "file_name", "width", "height"}) {
                required(im, field, where);
            }
            imagesById.put(im.get("id").asText(), im);
        }
        Map<String, List<Annotation>> anns = new HashMap<>();
        DataReport report = new DataReport();
        JsonNode annNodes = root.path("annotations");
        int k = 0;
        for (JsonNode a : annNodes) {
            String where = json.getFileName() + " annotation " + a.path("id").asText(String.valueOf(k));
            k++;
            required(a, "image_id", where);
            required(a, "category_id", where);
            String imageId = a.get("image_id").asText();
            JsonNode im = imagesById.get(imageId);
            if (im == null) {
                throw new DataFormatException(where + " refers to unknown image_id " + imageId);
            }
            int cls = catIds.indexOf(a.get("category_id").asInt());
            if (cls < 0) {
                throw new DataFormatException(where + " has unknown category_id "
                        + a.get("category_id").asText());
            }
            JsonNode bb = a.get("bbox");
            if (bb == null || bb.size() != 4) {
                throw new DataFormatException(where + " has no 4-number bbox");
            }
            Box box = Box.fromXywh(
                    bb.get(0).asDouble(),
                    bb.get(1).asDouble(),
                    bb.get(2).asDouble(),
                    bb.get(3).asDouble());
            boolean crowd = a.path("iscrowd").asInt(0) == 1;
            // COCO's area is the segment's, which pycocotools uses for the small/medium/large ranges.
            double area = a.hasNonNull("area") ? a.get("area").asDouble() : Double.NaN;
            Optional<Box> ok = BoxValidator.check(
                    box, im.get("width").asInt(), im.get("height").asInt(), where, report);
            ok.ifPresent(b ->
                    anns.computeIfAbsent(imageId, x -> new ArrayList<>()).add(new Annotation(b, cls, crowd, area)));
        }
        List<ImageEntry> images = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : imagesById.entrySet()) {
            JsonNode im = e.getValue();
            images.add(new ImageEntry(
                    e.getKey(),
                    imageDir.resolve(im.get("file_name").asText()),
                    im.get("width").asInt(),
                    im.get("height").asInt(),
                    anns.getOrDefault(e.getKey(), List.of())));
        }
        if (images.isEmpty()) {
            throw new DataFormatException("COCO file " + json + " lists no images");
        }
        return new DetectionDataset(json.getFileName().toString(), List.copyOf(cats.values()), images, report, catIds);
    }

    private static TreeMap<Integer, String> categories(JsonNode root, Path json) {
        TreeMap<Integer, String> cats = new TreeMap<>();
        int n = 0;
        for (JsonNode c : root.get("categories")) {
            String where = json.getFileName() + " categories[" + n++ + "]";
            required(c, "id", where);
            required(c, "name", where);
            cats.put(c.get("id").asInt(), c.get("name").asText());
        }
        return cats;
    }

    private static void required(JsonNode node, String field, String where) {
        if (!node.hasNonNull(field)) {
            throw new DataFormatException(where + " has no '" + field + "'");
        }
    }

    /** True when the file can be read at all; used by format detection. */
    static boolean looksLikeCoco(Path json) {
        return Files.isRegularFile(json) && json.toString().endsWith(".json");
    }
}
