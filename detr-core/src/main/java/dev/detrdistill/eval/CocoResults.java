package dev.detrdistill.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.detrdistill.box.Box;
import dev.detrdistill.data.CocoWriter;
import dev.detrdistill.data.DataFormatException;
import dev.detrdistill.data.DetectionDataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads and writes detections in the COCO results format: {@code [{image_id, category_id, bbox:[x,y,w,h], score}]}. */
public final class CocoResults {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CocoResults() {}

    /** Evaluates a results file against {@code truth}, reading its {@code category_id}s as the dataset's own ids. */
    public static CocoMetrics evaluateFile(DetectionDataset truth, Path results) throws IOException {
        return new CocoEvaluator(truth.images(), truth.classNames()).evaluate(read(truth, results));
    }

    /** A results file's detections, checked against {@code truth}'s image and category ids. */
    public static List<Detection> read(DetectionDataset truth, Path results) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(results.toFile());
        } catch (IOException e) {
            throw new DataFormatException("cannot parse results file " + results + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new DataFormatException("results file " + results + " is not a JSON array of detections");
        }
        Map<String, Boolean> known = new HashMap<>();
        truth.images().forEach(i -> known.put(i.id(), true));
        List<Detection> dets = new ArrayList<>();
        int k = 0;
        for (JsonNode d : root) {
            String where = results.getFileName() + " entry " + k++;
            String img = d.path("image_id").asText();
            if (!known.containsKey(img)) {
                throw new DataFormatException(where + ": image_id " + img + " is not in the ground truth");
            }
            int cls = truth.categoryIds().indexOf(d.path("category_id").asInt(Integer.MIN_VALUE));
            if (cls < 0) {
                throw new DataFormatException(where + ": unknown category_id " + d.path("category_id"));
            }
            JsonNode b = d.get("bbox");
            if (b == null || b.size() != 4 || !d.has("score")) {
                throw new DataFormatException(where + ": needs bbox [x,y,w,h] and score");
            }
            dets.add(new Detection(
                    img,
                    cls,
                    Box.fromXywh(
                            b.get(0).asDouble(),
                            b.get(1).asDouble(),
                            b.get(2).asDouble(),
                            b.get(3).asDouble()),
                    d.get("score").asDouble()));
        }
        return dets;
    }

    /**
     * Writes detections with the dataset's own category ids and numeric image ids as {@link CocoWriter} assigns them.
     */
    public static void write(DetectionDataset data, List<Detection> dets, Path out) throws IOException {
        Map<String, Long> ids = new HashMap<>();
        for (int i = 0; i < data.images().size(); i++) {
            ids.put(
                    data.images().get(i).id(),
                    CocoWriter.imageNumber(data.images().get(i).id(), i));
        }
        ArrayNode arr = JSON.createArrayNode();
        for (Detection d : dets) {
            arr.addObject()
                    .put("image_id", ids.get(d.imageId()))
                    .put("category_id", data.categoryId(d.classIndex()))
                    .put("score", d.score())
                    .set(
                            "bbox",
                            JSON.createArrayNode()
                                    .add(d.box().x0())
                                    .add(d.box().y0())
                                    .add(d.box().width())
                                    .add(d.box().height()));
        }
        JSON.writeValue(out.toFile(), arr);
    }
}
