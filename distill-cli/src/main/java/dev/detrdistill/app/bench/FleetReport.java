package dev.detrdistill.app.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The fleet benchmark's table (markdown), raw numbers (JSON) and cost plot (SVG: N against total wall seconds, both ways). */
final class FleetReport {
    private FleetReport() {}

    static String markdown(List<FleetRow> rows) {
        StringBuilder b = new StringBuilder();
        b.append("| N | online wall s | of it teacher s | online CPU s | streamed wall s | teacher pass s | job s | steps s | decode s "
                + "| render s | other s | streamed CPU s | wall ratio | CPU ratio | job overhead / step time | student-records/s "
                + "| AP online | AP streamed |\n");
        b.append("|---".repeat(18)).append("|\n");
        for (FleetRow r : rows) {
            FleetRow.Streamed s = r.streamed();
            b.append(String.format(Locale.ROOT, "| %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f "
                    + "| %.1f%% | %.1f | %s | %s |%n", r.students(), r.online().total().wallSeconds(), r.online().teacherSeconds(),
                    r.online().total().cpuSeconds(), s.total().wallSeconds(), s.produce().wallSeconds(), s.job().wallSeconds(), s.stepSeconds(),
                    s.decodeSeconds(), s.renderSeconds(), s.jobOverheadSeconds(), s.total().cpuSeconds(), r.wallRatio(), r.cpuRatio(),
                    100 * s.overheadShareOfStepTime(), s.studentRecordsPerSecond(), FleetRow.meanStd(r.onlineAp()), FleetRow.meanStd(r.streamedAp())));
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
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("fleet.json").toFile(), json);
        Files.writeString(out.resolve("fleet.svg"), svg(rows));
    }

    /** A line plot of total wall seconds against N for both ways. */
    static String svg(List<FleetRow> rows) {
        int w = 520;
        int h = 320;
        int left = 60;
        int bottom = 40;
        double maxN = rows.stream().mapToInt(FleetRow::students).max().orElse(1);
        double maxT = rows.stream().mapToDouble(r -> Math.max(r.online().total().wallSeconds(), r.streamed().total().wallSeconds())).max().orElse(1);
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='12'>%n", w, h));
        b.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='black'/>%n", left, h - bottom, w - 20, h - bottom));
        b.append(String.format(Locale.ROOT, "<line x1='%d' y1='20' x2='%d' y2='%d' stroke='black'/>%n", left, left, h - bottom));
        b.append(String.format(Locale.ROOT, "<text x='%d' y='%d'>students N</text>%n", w / 2 - 30, h - 8));
        b.append(String.format(Locale.ROOT, "<text x='8' y='14'>total wall s (max %.0f)</text>%n", maxT));
        String[][] ways = {{"online", "#e6194b"}, {"streamed", "#4363d8"}};
        for (int k = 0; k < 2; k++) {
            StringBuilder pts = new StringBuilder();
            for (FleetRow r : rows) {
                double t = k == 0 ? r.online().total().wallSeconds() : r.streamed().total().wallSeconds();
                double x = left + (w - 20 - left) * r.students() / maxN;
                double y = (h - bottom) - (h - bottom - 20) * t / maxT;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                b.append(String.format(Locale.ROOT, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>%n", x, y, ways[k][1]));
                if (k == 0) {
                    b.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' text-anchor='middle'>%d</text>%n", x, h - bottom + 15, r.students()));
                }
            }
            b.append(String.format(Locale.ROOT, "<polyline points='%s' fill='none' stroke='%s' stroke-width='2'/>%n", pts.toString().trim(), ways[k][1]));
            b.append(String.format(Locale.ROOT, "<text x='%d' y='%d' fill='%s'>%s</text>%n", left + 10, 36 + 16 * k, ways[k][1], ways[k][0]));
        }
        return b.append("</svg>\n").toString();
    }
}
