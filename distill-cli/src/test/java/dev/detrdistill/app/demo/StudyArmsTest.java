package dev.detrdistill.app.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.detrdistill.distill.DistillationSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StudyArmsTest {
    @Test
    void armsNameTheirTermsAndTheAblationCoversThePapersRows() {
        assertEquals("baseline", StudyArms.name("none"));
        assertEquals("distilled", StudyArms.name("all"));
        assertEquals(DistillationSettings.all(), StudyArms.settings("all"));
        assertEquals(DistillationSettings.ofTerms(List.of("ld", "cl", "fd")), StudyArms.settings("LD+cl+fd"));
        assertEquals(List.of("none", "ld+cl", "fd", "ad", "ld+cl+fd", "all"), StudyArms.ABLATION);
        assertThrows(IllegalArgumentException.class, () -> StudyArms.settings("ld+xx"));
    }

    @Test
    void summaryPairsEachSeedWithTheBaselinesSameSeed() {
        Map<String, Double> ap = Map.of(
                "teacher", 0.9,
                "baseline-s1", 0.10,
                "baseline-s2", 0.20,
                "baseline-s3", 0.30,
                "distilled-s1", 0.15,
                "distilled-s2", 0.22,
                "distilled-s3", 0.29);
        String text = StudyArms.summary(List.of("none", "all"), 3, ap);
        assertTrue(text.contains("baseline       0.200 +- 0.100  [0.100, 0.200, 0.300]"), text);
        // Differences 0.05, 0.02, -0.01: mean 0.02, sample std 0.03; not every seed positive.
        assertTrue(
                text.contains("distilled      +0.020 +- 0.030  [0.050, 0.020, -0.010]  every seed positive: no"), text);
        assertThrows(IllegalStateException.class, () -> StudyArms.summary(List.of("none", "fd"), 3, ap));
    }
}
