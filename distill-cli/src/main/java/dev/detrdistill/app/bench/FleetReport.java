package dev.detrdistill.app.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fleet benchmark's table (markdown), raw numbers (JSON) and cost plot (SVG: N against total wall seconds, both
 * ways).
 */
final class FleetReport {
    private FleetReport() {}

    static String markdown(List<FleetRow> rows) {
        StringBuilder b = new StringBuilder();
        b.append("| N | online wall s | of it teacher s | online CPU s | streamed wall s | teacher pass s | job s | "
                + "steps s | decode s "
                + "| render s | other s | streamed CPU s | wall ratio | CPU ratio | job overhead / step "
                + "time | student-records/s "
                + "| AP online | AP streamed |\n");
        b.append("|---".repeat(18)).append("|\n");
        for (FleetRow r : rows) {
            FleetRow.Streamed s = r.streamed();
            b.append(String.format(
                    Locale.ROOT,
                    "| %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f "
                            + "| %.1f%% | %.1f | %s | %s |%n",
                    r.students(),
                    r.online().total().wallSeconds(),
                    r.online().teacherSeconds(),
                    r.online().total().cpuSeconds(),
                    s.total().wallSeconds(),
                    s.produce().wallSeconds(),
                    s.job().wallSeconds(),
                    s.stepSeconds(),
                    s.decodeSeconds(),
                    s.renderSeconds(),
                    s.jobOverheadSeconds(),
                    s.total().cpuSeconds(),
                    r.wallRatio(),
                    r.cpuRatio(),
                    100 * s.overheadShareOfStepTime(),
                    s.studentRecordsPerSecond(),
                    FleetRow.meanStd(r.onlineAp()),
                    FleetRow.meanStd(r.streamedAp())));
        }
        return b.toString();
    }

    static void write(Path out, List<FleetRow> rows, long records, int epochs, int steps) throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve("fleet.md"), markdown(rows));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("records", records);
        json.put("epochs", epochs);
        json.put("stepsPerStudent", steps);
        json.put("rows", rows);
        new ObjectMapper()
                .writerWithDefaultPrettyPrinter()
                .writeValue(out.resolve("fleet.json").toFile(), json);
        Files.writeString(out.resolve("fleet.svg"), svg(rows));
    }

    /** Total wall seconds against N, both ways. */
    static String svg(List<FleetRow> rows) {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        series.put(
                "online (teacher in process, N runs)",
                rows.stream()
                        .map(r -> new double[] {r.students(), r.online().total().wallSeconds()})
                        .toList());
        series.put(
                "streamed (teacher once, one Flink job)",
                rows.stream()
                        .map(r ->
                                new double[] {r.students(), r.streamed().total().wallSeconds()})
                        .toList());
        return dev.detrdistill.app.report.Charts.lines(
                        "N students: total wall time", "students N", "wall s", series, 560, 340)
                + "\n";
    }
}
