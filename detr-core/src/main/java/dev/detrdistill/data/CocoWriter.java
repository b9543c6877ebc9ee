package dev.detrdistill.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;

/** Writes a dataset as COCO instances JSON (the dataset's category ids, numeric image ids where possible). */
public final class CocoWriter {
    private CocoWriter() {}

    public static void write(DetectionDataset data, Path json, Path imageDir) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        ArrayNode images = root.putArray("images");
        ArrayNode anns = root.putArray("annotations");
        ArrayNode cats = root.putArray("categories");
        for (int c = 0; c < data.numClasses(); c++) {
            cats.addObject()
                    .put("id", data.categoryId(c))
                    .put("name", data.classNames().get(c));
        }
        int annId = 1;
        for (int i = 0; i < data.images().size(); i++) {
            ImageEntry im = data.images().get(i);
            long id = imageNumber(im.id(), i);
            images.addObject()
                    .put("id", id)
                    .put("file_name", imageDir.relativize(im.file()).toString())
                    .put("width", im.width())
                    .put("height", im.height());
            for (Annotation a : im.annotations()) {
                ObjectNode o = anns.addObject();
                o.put("id", annId++).put("image_id", id).put("category_id", data.categoryId(a.classIndex()));
                o.putArray("bbox")
                        .add(a.box().x0())
                        .add(a.box().y0())
                        .add(a.box().width())
                        .add(a.box().height());
                o.put("area", a.evaluationArea()).put("iscrowd", a.crowd() ? 1 : 0);
            }
        }
        om.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), root);
    }

    /** Numeric image id: the id itself when it is a number, else its index + 1. */
    public static long imageNumber(String id, int index) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            return index + 1L;
        }
    }
}
