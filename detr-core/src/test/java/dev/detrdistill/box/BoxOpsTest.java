package dev.detrdistill.box;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class BoxOpsTest {

    @Test
    void cxcywhAndXyxyConvertBothWays() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray c = m.create(new float[] {0.5f, 0.5f, 0.2f, 0.4f, 0.1f, 0.2f, 0.2f, 0.2f}, new Shape(2, 4));
            NDArray x = BoxOps.cxcywhToXyxy(c);
            assertArrayEquals(new float[] {0.4f, 0.3f, 0.6f, 0.7f, 0f, 0.1f, 0.2f, 0.3f}, x.toFloatArray(), 1e-6f);
            assertArrayEquals(c.toFloatArray(), BoxOps.xyxyToCxcywh(x).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void iouAndGiouMatchHandComputedValues() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {0, 0, 2, 2}, new Shape(1, 4));
            NDArray b = m.create(new float[] {1, 1, 3, 3, 4, 4, 5, 5, 0, 0, 2, 2}, new Shape(3, 4));
            // overlap 1, union 7 -> 1/7; hull 9 -> giou 1/7 - 2/9
            float[] iou = BoxOps.pairwiseIou(a, b).toFloatArray();
            assertArrayEquals(new float[] {1f / 7, 0f, 1f}, iou, 1e-6f);
            float[] giou = BoxOps.pairwiseGiou(a, b).toFloatArray();
            assertEquals(1f / 7 - 2f / 9, giou[0], 1e-6f);
            assertEquals(0f - (25f - 5f) / 25f, giou[1], 1e-6f); // disjoint: hull 5x5, union 5
            assertEquals(1f, giou[2], 1e-6f);
            float[] elementwise = BoxOps.elementwiseGiou(a.broadcast(3, 4), b).toFloatArray();
            assertArrayEquals(giou, elementwise, 1e-6f);
        }
    }

    @Test
    void hostBoxMathAgreesWithArrayBoxMath() {
        Box a = new Box(0, 0, 2, 2);
        Box b = new Box(1, 1, 3, 3);
        assertEquals(1.0 / 7, a.iou(b), 1e-12);
        assertEquals(1.0 / 7 - 2.0 / 9, a.giou(b), 1e-12);
        assertTrue(new Box(1, 1, 1, 5).isDegenerate());
    }

    @Test
    void giouIsDifferentiableWithFiniteGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(new float[] {0.5f, 0.5f, 0.3f, 0.3f}, new Shape(1, 4));
            p.setRequiresGradient(true);
            NDArray t = m.create(new float[] {0.55f, 0.5f, 0.3f, 0.2f}, new Shape(1, 4));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = Scalars.rsub(1f, BoxOps.elementwiseGiou(BoxOps.cxcywhToXyxy(p), BoxOps.cxcywhToXyxy(t)))
                        .sum();
                gc.backward(loss);
            }
            float[] g = p.getGradient().toFloatArray();
            for (float v : g) {
                assertTrue(Float.isFinite(v));
            }
            assertTrue(g[0] < 0, "moving right towards the target lowers the loss: " + g[0]);
        }
    }
}
