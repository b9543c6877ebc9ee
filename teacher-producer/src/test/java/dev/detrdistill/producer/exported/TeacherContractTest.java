package dev.detrdistill.producer.exported;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.detrdistill.model.DetrOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherContractTest {
    /**
     * K stages of (B,N,C) logits, (B,N,4) boxes, (B,N,d) embeddings; then levels of (B,d,h,w); then the (N,P) prior.
     */
    static NDList contract(NDManager m, int k, int levels) {
        NDList out = new NDList();
        for (int s = 0; s < k; s++) {
            out.add(m.zeros(new Shape(2, 5, 3)));
        }
        for (int s = 0; s < k; s++) {
            out.add(m.zeros(new Shape(2, 5, 4)));
        }
        for (int s = 0; s < k; s++) {
            out.add(m.zeros(new Shape(2, 5, 16)));
        }
        for (int l = 0; l < levels; l++) {
            out.add(m.zeros(new Shape(2, 16, 8 >> l, 8 >> l)));
        }
        out.add(m.zeros(new Shape(5, 32)));
        return out;
    }

    @Test
    void flatOutputMapsOntoStagesFeatureLevelsAndPrior() {
        try (NDManager m = NDManager.newBaseManager()) {
            DetrOutput single = TeacherContract.parse(contract(m, 2, 1));
            assertEquals(2, single.queries().numStages());
            assertEquals(1, single.features().size());
            DetrOutput multi = TeacherContract.parse(contract(m, 3, 3));
            assertEquals(3, multi.queries().numStages());
            assertEquals(new Shape(2, 16, 2, 2), multi.features().get(2).getShape());
            assertEquals(
                    new Shape(2, 5, 16), multi.queries().embeddings().get(1).getShape());
            assertEquals(new Shape(5, 32), multi.queryPrior().getShape());
        }
    }

    @Test
    void shapesThatBreakTheContractAreNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDList boxes = contract(m, 2, 1);
            boxes.set(2, m.zeros(new Shape(2, 5, 3))); // a box tensor with 3 coordinates
            assertMessage(boxes, "boxes of stage 1");
            NDList narrow = contract(m, 2, 2);
            narrow.set(7, m.zeros(new Shape(2, 8, 4, 4))); // a map narrower than the embeddings
            assertMessage(narrow, "feature level 2");
            NDList queries = contract(m, 2, 1);
            queries.set(queries.size() - 1, m.zeros(new Shape(6, 32)));
            assertMessage(queries, "query prior");
            assertMessage(
                    new NDList(m.zeros(new Shape(1)), m.zeros(new Shape(1)), m.zeros(new Shape(1))), "3K + L + 1");
            NDList noPrior = contract(m, 2, 1);
            noPrior.remove(noPrior.size() - 1);
            assertMessage(noPrior, "3K + L + 1");
        }
    }

    @Test
    void filesOfUnknownFormatOrMissingAreRefusedByName(@TempDir Path dir) throws Exception {
        Path weird = Files.writeString(dir.resolve("teacher.bin"), "x");
        var e = assertThrows(java.io.IOException.class, () -> ExportedTeacher.open(weird, 64));
        assertTrue(e.getMessage().contains("teacher.bin") && e.getMessage().contains(".onnx"), e.getMessage());
        var missing = assertThrows(java.io.IOException.class, () -> ExportedTeacher.open(dir.resolve("gone.pt"), 64));
        assertTrue(missing.getMessage().contains("gone.pt"), missing.getMessage());
        Path corrupt = Files.writeString(dir.resolve("corrupt.onnx"), "not a model");
        var bad = assertThrows(java.io.IOException.class, () -> ExportedTeacher.open(corrupt, 64));
        assertTrue(bad.getMessage().contains("corrupt.onnx"), bad.getMessage());
        Path corruptPt = Files.writeString(dir.resolve("corrupt.pt"), "not a model");
        var badPt = assertThrows(java.io.IOException.class, () -> ExportedTeacher.open(corruptPt, 64));
        assertTrue(badPt.getMessage().contains("corrupt.pt"), badPt.getMessage());
    }

    private static void assertMessage(NDList out, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TeacherContract.parse(out));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
