package dev.detrdistill.app.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class ChartsTest {
    @Test
    void manySeriesGetALegendEntryEachInWellFormedSvg() throws Exception {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (int s = 0; s < 12; s++) {
            List<double[]> points = new ArrayList<>();
            for (int step = 0; step <= 100; step += 10) {
                points.add(new double[] {step, Math.exp(-step / (20.0 + s))});
            }
            series.put("distill_term_" + s, points);
        }
        String svg = Charts.lines("losses", "step", "loss", series, 540, 320);
        Document doc = parse(svg);
        assertEquals("svg", doc.getDocumentElement().getTagName());
        for (String name : series.keySet()) {
            assertTrue(svg.contains(">" + name + "<"), "legend names " + name);
        }
    }

    @Test
    void perClassBarsNameEveryClassAndModel() throws Exception {
        Map<String, Map<String, Double>> values = new LinkedHashMap<>();
        values.put("teacher", Map.of("RBC", 0.4, "WBC", 0.7, "Platelets", 0.2));
        values.put("student", Map.of("RBC", 0.3, "WBC", 0.6, "Platelets", 0.1));
        String svg = Charts.bars("AP per class", "class", "AP", values, 540, 320);
        parse(svg);
        for (String label : List.of("RBC", "WBC", "Platelets", "teacher", "student")) {
            assertTrue(svg.contains(">" + label + "<"), label);
        }
    }

    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }
}
