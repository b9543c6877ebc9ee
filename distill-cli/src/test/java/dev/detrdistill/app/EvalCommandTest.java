package dev.detrdistill.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EvalCommandTest {
    private static final Pattern AP50 = Pattern.compile("IoU=0\\.50 .*= (\\S+)");

    @TempDir
    Path tmp;

    /** Two cells; detections on both plus a near copy of the first, scored between them. */
    private Path[] groundTruthAndDuplicatedDetections() throws Exception {
        Path gt = tmp.resolve("gt.json");
        Files.writeString(
                gt,
                """
                {"images": [{"id": 1, "file_name": "1.png", "width": 200, "height": 200}],
                 "annotations": [
                   {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 50, 50], "area": 2500, "iscrowd": 0},
                   {"id": 2, "image_id": 1, "category_id": 1, "bbox": [100, 100, 50, 50], "area": 2500, "iscrowd": 0}],
                 "categories": [{"id": 1, "name": "cell"}]}
                """);
        Path dets = tmp.resolve("dets.json");
        Files.writeString(
                dets,
                """
                [{"image_id": 1, "category_id": 1, "bbox": [10, 10, 50, 50], "score": 0.9},
                 {"image_id": 1, "category_id": 1, "bbox": [13, 10, 50, 50], "score": 0.8},
                 {"image_id": 1, "category_id": 1, "bbox": [100, 100, 50, 50], "score": 0.7}]
                """);
        return new Path[] {gt, dets};
    }

    private static String eval(StringWriter err, String... args) {
        PrintStream before = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cli = DistillMain.commandLine();
            cli.setErr(new PrintWriter(err));
            int rc = dev.detrdistill.cli.CommandLines.execute(cli, args);
            return rc + "\n" + out.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(before);
        }
    }

    private static double ap50(String printed) {
        Matcher m = AP50.matcher(printed);
        assertTrue(m.find(), printed);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void nmsDropsTheDuplicateThatCostAp50() throws Exception {
        Path[] files = groundTruthAndDuplicatedDetections();
        String plain =
                eval(new StringWriter(), "eval", "--gt", files[0].toString(), "--detections", files[1].toString());
        String suppressed = eval(
                new StringWriter(),
                "eval",
                "--gt",
                files[0].toString(),
                "--detections",
                files[1].toString(),
                "--nms",
                "0.7");
        assertTrue(plain.startsWith("0\n") && suppressed.startsWith("0\n"), plain + suppressed);
        assertEquals((51 + 50 * 2.0 / 3) / 101, ap50(plain), 1e-3);
        assertEquals(1.0, ap50(suppressed), 1e-3);
    }

    @Test
    void refusesAnNmsThresholdOutsideZeroToOne() throws Exception {
        Path[] files = groundTruthAndDuplicatedDetections();
        StringWriter err = new StringWriter();
        String printed =
                eval(err, "eval", "--gt", files[0].toString(), "--detections", files[1].toString(), "--nms", "1.5");
        assertNotEquals("0", printed.substring(0, printed.indexOf('\n')));
        assertTrue(err.toString().contains("NMS IoU threshold 1.5 is outside (0, 1]"), err.toString());
    }
}
