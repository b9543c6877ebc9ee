package dev.detrdistill.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.detrdistill.TestData;
import dev.detrdistill.box.Box;
import dev.detrdistill.data.CocoReader;
import dev.detrdistill.data.DataFormatException;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CocoResultsTest {
    @TempDir
    Path tmp;

    @Test
    void resultsFileRoundTripGivesTheSameMetricsAsInMemoryEvaluation() throws Exception {
        Path gt = TestData.tinySyntheticRoot().resolve("val.json");
        DetectionDataset truth = CocoReader.read(gt, gt.getParent().resolve("images"));
        List<Detection> dets = new ArrayList<>();
        int k = 0;
        for (ImageEntry im : truth.images()) {
            for (var a : im.annotations()) {
                Box b = a.box();
                // jitter some boxes and drop every third object, so the metrics are not trivially 1
                if (k++ % 3 == 0) {
                    continue;
                }
                dets.add(new Detection(im.id(), a.classIndex(), b.translate(k % 4, 0), 0.5 + 0.01 * (k % 40)));
            }
        }
        CocoMetrics direct = new CocoEvaluator(truth.images(), truth.classNames()).evaluate(dets);
        Path results = tmp.resolve("results.json");
        CocoResults.write(truth, dets, results);
        CocoMetrics fromFile = CocoResults.evaluateFile(truth, results);
        assertArrayEquals(direct.stats(), fromFile.stats(), 1e-9);
        assertTrue(direct.stats()[0] > 0.2 && direct.stats()[0] < 0.95, "AP " + direct.stats()[0]);
    }

    @Test
    void resultsForUnknownImagesAreRejectedWithTheEntry() throws Exception {
        Path gt = TestData.tinySyntheticRoot().resolve("val.json");
        DetectionDataset truth = CocoReader.read(gt, gt.getParent().resolve("images"));
        Path results = tmp.resolve("bad.json");
        Files.writeString(results, "[{\"image_id\": 424242, \"category_id\": 1, \"bbox\": [0,0,1,1], \"score\": 0.5}]");
        DataFormatException e = assertThrows(DataFormatException.class, () -> CocoResults.evaluateFile(truth, results));
        assertTrue(e.getMessage().contains("entry 0") && e.getMessage().contains("424242"), e.getMessage());
    }
}
