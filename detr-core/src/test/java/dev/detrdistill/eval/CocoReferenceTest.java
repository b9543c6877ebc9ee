package dev.detrdistill.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.data.Annotation;
import dev.detrdistill.data.CocoReader;
import dev.detrdistill.data.DetectionDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The COCO evaluation against pycocotools on a COCO-shaped file: gapped category ids, {@code area}
 * unlike the box area, crowd regions, images without objects, an image with over 100 detections
 * (tools/reference/coco_reference.py made the files and pycocotools' numbers).
 */
class CocoReferenceTest {
    private static final Path DIR = Path.of("src/test/resources/reference/coco");

    @Test
    void allTwelveNumbersAgreeWithPycocotools() throws Exception {
        Path gt = DIR.resolve("instances.json");
        DetectionDataset truth = CocoReader.read(gt, DIR);
        CocoMetrics m = CocoResults.evaluateFile(truth, DIR.resolve("results.json"));
        JsonNode expected = new ObjectMapper()
                .readTree(DIR.resolve("pycocotools-stats.json").toFile());
        for (int i = 0; i < 12; i++) {
            assertEquals(expected.get("stats").get(i).asDouble(), m.stats()[i], 0.002, CocoMetrics.KEYS.get(i));
        }
        assertTrue(m.ap() > 0.05, "a fixture whose AP says something: " + m.ap());
    }

    @Test
    void theFilesAreaDecidesTheSizeRangeNotTheBox() throws Exception {
        DetectionDataset truth = CocoReader.read(DIR.resolve("instances.json"), DIR);
        int differ = 0;
        for (var im : truth.images()) {
            for (Annotation a : im.annotations()) {
                assertTrue(!Double.isNaN(a.area()));
                if (Math.abs(a.area() - a.box().area()) > 1) {
                    differ++;
                }
            }
        }
        assertTrue(differ > 10, "the fixture's areas differ from its boxes");
    }

    @Test
    void resultsCarryTheDatasetsOwnCategoryIds(@TempDir Path tmp) throws Exception {
        DetectionDataset truth = CocoReader.read(DIR.resolve("instances.json"), DIR);
        assertEquals(List.of(1, 3, 7, 90), truth.categoryIds());
        List<Detection> dets = new ArrayList<>();
        for (int c = 0; c < truth.numClasses(); c++) {
            dets.add(new Detection(truth.images().get(0).id(), c, new dev.detrdistill.box.Box(1, 1, 20, 20), 0.5));
        }
        Path out = tmp.resolve("results.json");
        CocoResults.write(truth, dets, out);
        Set<Integer> written = new HashSet<>();
        for (JsonNode d : new ObjectMapper().readTree(out.toFile())) {
            written.add(d.get("category_id").asInt());
            assertEquals(
                    Long.parseLong(truth.images().get(0).id()),
                    d.get("image_id").asLong());
        }
        assertEquals(Set.of(1, 3, 7, 90), written);
        // And they read back as the same classes.
        CocoMetrics again = CocoResults.evaluateFile(truth, out);
        assertNotEquals(null, again);
    }

    @Test
    void missingFieldsAreNamed(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.json");
        Files.writeString(
                bad,
                "{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":10}],"
                        + "\"categories\":[{\"id\":1,\"name\":\"a\"}]}");
        var e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.detrdistill.data.DataFormatException.class, () -> CocoReader.read(bad, tmp));
        assertTrue(e.getMessage().contains("images[0]") && e.getMessage().contains("'height'"), e.getMessage());
    }
}
