package dev.detrdistill.app.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.app.report.Charts;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.data.ImageEntry;
import dev.detrdistill.eval.CocoMetrics;
import dev.detrdistill.eval.Detection;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The demo's self-contained HTML report: AP table, AP against step and per class, loss curves per term (charts
 * inline as SVG, drawn by {@link Charts}), record sizes by field, throughput, and validation images with each model's
 * detections side by side (inline PNG).
 */
final class DemoReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Color[] PALETTE = {
        new Color(0xe6194b),
        new Color(0x4363d8),
        new Color(0xf58231),
        new Color(0x911eb4),
        new Color(0x46f0f0),
        new Color(0xf032e6)
    };
    private final StringBuilder html = new StringBuilder();

    DemoReport(String title) {
        html.append("<!doctype html><html><head><meta charset='utf-8'><title>")
                .append(esc(title))
                .append("</title><style>")
                .append("body{font-family:sans-serif;max-width:1100px;margin:2em "
                        + "auto;color:#222}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f4f4f4}")
                .append("td:first-child,th:first-child{text-align:left}figure{display:inline-block;margin:6px}")
                .append("figcaption{text-align:center;font-size:13px}</style></head><body><h1>")
                .append(esc(title))
                .append("</h1>");
    }

    DemoReport heading(String h) {
        html.append("<h2>").append(esc(h)).append("</h2>");
        return this;
    }

    DemoReport paragraph(String text) {
        html.append("<p>").append(esc(text)).append("</p>");
        return this;
    }

    /** Monospaced text kept as printed (the study summary). */
    DemoReport preformatted(String text) {
        html.append("<pre>").append(esc(text)).append("</pre>");
        return this;
    }

    DemoReport table(List<String> header, List<List<String>> rows) {
        html.append("<table><tr>");
        header.forEach(h -> html.append("<th>").append(esc(h)).append("</th>"));
        html.append("</tr>");
        for (List<String> r : rows) {
            html.append("<tr>");
            r.forEach(c -> html.append("<td>").append(esc(c)).append("</td>"));
            html.append("</tr>");
        }
        html.append("</table>");
        return this;
    }

    /** One chart per student: every loss term of metrics.jsonl against the step. */
    DemoReport lossCurves(String name, Path metricsJsonl) throws IOException {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (JsonNode n : lines(metricsJsonl)) {
            if (!n.has("loss")) {
                continue;
            }
            int step = n.get("step").asInt();
            n.fieldNames().forEachRemaining(k -> {
                if (k.startsWith("loss") || k.startsWith("distill_")) {
                    series.computeIfAbsent(k, x -> new ArrayList<>())
                            .add(new double[] {step, n.get(k).asDouble()});
                }
            });
        }
        return chart(Charts.lines(name + ": training losses", "step", "loss", series, 540, 320));
    }

    /** AP on the validation split against the step, one line per student (their metrics.jsonl evaluation lines). */
    DemoReport apCurves(Map<String, Path> metricsByStudent) throws IOException {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : metricsByStudent.entrySet()) {
            List<double[]> points = new ArrayList<>();
            for (JsonNode n : lines(e.getValue())) {
                if (n.has("eval")) {
                    points.add(new double[] {
                        n.get("step").asDouble(), n.get("eval").get("AP").asDouble()
                    });
                }
            }
            series.put(e.getKey(), points);
        }
        return chart(Charts.lines("Validation AP against step", "step", "AP", series, 540, 320));
    }

    /** Per-class AP of every model, grouped by class. */
    DemoReport perClassAp(Map<String, CocoMetrics> metrics) {
        Map<String, Map<String, Double>> values = new LinkedHashMap<>();
        metrics.forEach((model, m) -> values.put(model, m.perClassAp()));
        return chart(Charts.bars("AP per class", "class", "AP", values, 540, 320));
    }

    private DemoReport chart(String svg) {
        html.append("<figure>").append(svg).append("</figure>");
        return this;
    }

    private static List<JsonNode> lines(Path jsonl) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl)) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    /**
     * One row per image: ground truth, then each model's k highest-scoring detections, k = the image's
     * ground-truth count (weak models score low, so a fixed threshold would show nothing).
     */
    DemoReport detections(List<ImageEntry> images, List<String> classNames, Map<String, List<Detection>> byModel)
            throws IOException {
        for (ImageEntry e : images) {
            html.append("<div>");
            html.append(figure(
                    draw(e, List.of(), true, classNames),
                    "ground truth (" + e.annotations().size() + ")"));
            for (Map.Entry<String, List<Detection>> m : byModel.entrySet()) {
                List<Detection> dets = m.getValue().stream()
                        .filter(d -> d.imageId().equals(e.id()))
                        .sorted(java.util.Comparator.comparingDouble(Detection::score)
                                .reversed())
                        .limit(Math.max(1, e.annotations().size()))
                        .toList();
                html.append(figure(draw(e, dets, false, classNames), m.getKey() + " (top " + dets.size() + ")"));
            }
            html.append("</div>");
        }
        return this;
    }

    private static String figure(BufferedImage img, String caption) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        return "<figure><img width='" + img.getWidth() + "' src='data:image/png;base64,"
                + Base64.getEncoder().encodeToString(png.toByteArray()) + "'><figcaption>" + esc(caption)
                + "</figcaption></figure>";
    }

    private static BufferedImage draw(ImageEntry e, List<Detection> dets, boolean truth, List<String> classNames) {
        BufferedImage src = ImageCache.read(e);
        double f = 256.0 / Math.max(src.getWidth(), src.getHeight());
        BufferedImage out =
                new BufferedImage((int) (src.getWidth() * f), (int) (src.getHeight() * f), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, out.getWidth(), out.getHeight(), null);
        g.setStroke(new BasicStroke(2f));
        if (truth) {
            e.annotations().forEach(a -> box(g, f, a.box(), a.classIndex(), null, classNames));
        } else {
            dets.forEach(d -> box(g, f, d.box(), d.classIndex(), d.score(), classNames));
        }
        g.dispose();
        return out;
    }

    private static void box(
            Graphics2D g, double f, dev.detrdistill.box.Box b, int cls, Double score, List<String> classNames) {
        g.setColor(PALETTE[cls % PALETTE.length]);
        g.drawRect((int) (b.x0() * f), (int) (b.y0() * f), (int) (b.width() * f), (int) (b.height() * f));
        String label = classNames.get(cls) + (score == null ? "" : String.format(Locale.ROOT, " %.2f", score));
        g.drawString(label, (int) (b.x0() * f) + 2, (int) (b.y0() * f) + 11);
    }

    void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, html + "</body></html>");
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }
}
