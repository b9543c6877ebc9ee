package dev.detrdistill.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.detrdistill.model.DetrOutput;
import org.junit.jupiter.api.Test;

class TorchScriptContractTest {
    @Test
    void flatOutputMapsOntoStagesFeaturesAndPrior() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDList out = new NDList();
            for (int s = 0; s < 2; s++) {
                out.add(m.zeros(new Shape(2, 5, 3)));
            }
            for (int s = 0; s < 2; s++) {
                out.add(m.zeros(new Shape(2, 5, 4)));
            }
            for (int s = 0; s < 2; s++) {
                out.add(m.zeros(new Shape(2, 5, 16)));
            }
            out.add(m.zeros(new Shape(2, 16, 4, 4)));
            out.add(m.zeros(new Shape(5, 16)));
            DetrOutput o = TorchScriptTeacher.fromContract(out);
            assertEquals(2, o.queries().numStages());
            assertEquals(new Shape(2, 5, 16), o.queries().embeddings().get(1).getShape());
            assertEquals(new Shape(5, 16), o.queryPrior().getShape());

            out.set(2, m.zeros(new Shape(2, 5, 3))); // a box tensor with 3 coordinates
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TorchScriptTeacher.fromContract(out));
            assertTrue(e.getMessage().contains("boxes of stage 1"), e.getMessage());
            IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                    () -> TorchScriptTeacher.fromContract(new NDList(m.zeros(new Shape(1)), m.zeros(new Shape(1)), m.zeros(new Shape(1)))));
            assertTrue(count.getMessage().contains("3K + 2"), count.getMessage());
        }
    }
}
