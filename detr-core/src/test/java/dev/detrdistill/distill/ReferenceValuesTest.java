package dev.detrdistill.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.box.BoxOps;
import dev.detrdistill.data.DetectionTarget;
import dev.detrdistill.loss.HungarianMatcher;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.matching.Assignment;
import dev.detrdistill.model.DecoderOutput;
import dev.detrdistill.model.DetrOutput;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every DETRDistill term and the DETR criterion against values computed independently in PyTorch with
 * the reference implementation's formulas (tools/reference/distill_reference.py wrote the fixture).
 * Agreement is required within 1e-4 relative.
 */
class ReferenceValuesTest {
    private static final double RELATIVE = 1e-4;
    private static JsonNode fixture;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = ReferenceValuesTest.class.getResourceAsStream("/reference/distill-reference.json")) {
            fixture = new ObjectMapper().readTree(in);
        }
    }

    private static void close(double expected, double actual, String what) {
        double tolerance = RELATIVE * Math.max(Math.abs(expected), 1e-2);
        assertEquals(expected, actual, tolerance, what);
    }

    /** A nested JSON array of numbers as an array of the given shape. */
    private static NDArray array(NDManager m, JsonNode node) {
        List<Long> shape = new ArrayList<>();
        JsonNode n = node;
        while (n.isArray()) {
            shape.add((long) n.size());
            if (n.size() == 0) {
                break;
            }
            n = n.get(0);
        }
        List<Float> values = new ArrayList<>();
        flatten(node, values);
        float[] flat = new float[values.size()];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = values.get(i);
        }
        return m.create(
                flat, new Shape(shape.stream().mapToLong(Long::longValue).toArray()));
    }

    private static void flatten(JsonNode node, List<Float> out) {
        if (node.isArray()) {
            node.forEach(c -> flatten(c, out));
        } else {
            out.add((float) node.asDouble());
        }
    }

    private static int[] ints(JsonNode node) {
        int[] v = new int[node.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = node.get(i).asInt();
        }
        return v;
    }

    private static List<DetectionTarget> targets() {
        List<DetectionTarget> out = new ArrayList<>();
        for (JsonNode g : fixture.at("/inputs/groundTruth")) {
            List<Float> boxes = new ArrayList<>();
            flatten(g.get("boxes"), boxes);
            float[] b = new float[boxes.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = boxes.get(i);
            }
            out.add(new DetectionTarget(b, ints(g.get("labels"))));
        }
        return out;
    }

    private static NDArray input(NDManager m, String name) {
        return array(m, fixture.at("/inputs/" + name));
    }

    /** The fixture's one-stage student output and teacher knowledge (two feature levels). */
    private static DistillationContext context(NDManager m, DistillationAdapters adapters, DecoderOutput extraGroup) {
        SetCriterion criterion = new SetCriterion(LossWeights.defaults());
        List<DetectionTarget> targets = targets();
        NDArray tl = input(m, "teacherLogits");
        NDArray tb = input(m, "teacherBoxes");
        NDArray te = input(m, "teacherEmbeddings");
        List<NDArray> teacherFeatures = new ArrayList<>();
        List<NDArray> studentFeatures = new ArrayList<>();
        List<NDArray> masks = new ArrayList<>();
        for (int l = 0; l < fixture.at("/fd/teacherFeatures").size(); l++) {
            NDArray ft = array(m, fixture.at("/fd/teacherFeatures/" + l));
            teacherFeatures.add(ft);
            studentFeatures.add(array(m, fixture.at("/fd/studentFeatures/" + l)));
            masks.add(FeatureMask.compute(tl, tb, te, ft, targets));
        }
        TeacherKnowledge k = new TeacherKnowledge(
                List.of(tl),
                List.of(tb),
                List.of(te),
                List.of(criterion.match(tl, tb, targets)),
                teacherFeatures,
                List.of(masks),
                m.zeros(new Shape(12, 4)));
        DecoderOutput student = new DecoderOutput(
                List.of(input(m, "studentLogits")),
                List.of(input(m, "studentBoxes")),
                List.of(input(m, "studentEmbeddings")));
        DetrOutput out =
                new DetrOutput(student, Optional.ofNullable(extraGroup), studentFeatures, m.zeros(new Shape(6, 4)));
        return new DistillationContext(
                new ParameterStore(m, false),
                out,
                k,
                targets,
                StageMapping.proportional(1, 1),
                adapters,
                new InstanceMatcher(5f, 2f));
    }

    private static DistillationAdapters plainAdapters(NDManager m) {
        return new DistillationAdapters(8, 8, 4, 4, 0).initializeParameters(m);
    }

    @Test
    void instanceMatchingCostAndAssignmentMatchTheReference() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray clipped = BoxOps.clipToImage(input(m, "teacherBoxes"));
            List<double[]> costs = new InstanceMatcher(5f, 2f)
                    .costs(input(m, "studentLogits"), input(m, "studentBoxes"), input(m, "teacherLogits"), clipped);
            DistillationContext ctx = context(m, plainAdapters(m), null);
            for (int i = 0; i < costs.size(); i++) {
                JsonNode expected = fixture.at("/ld/cost/" + i);
                int nt = expected.get(0).size();
                for (int r = 0; r < expected.size(); r++) {
                    for (int c = 0; c < nt; c++) {
                        close(
                                expected.get(r).get(c).asDouble(),
                                costs.get(i)[r * nt + c],
                                "LD cost image " + i + " [" + r + "," + c + "]");
                    }
                }
                Assignment a = ctx.matches(0).get(i);
                assertArrayEquals(ints(fixture.at("/ld/rows/" + i)), a.rows(), "LD rows image " + i);
                assertArrayEquals(ints(fixture.at("/ld/cols/" + i)), a.cols(), "LD cols image " + i);
            }
        }
    }

    @Test
    void instanceDistillationSumsOverClassesAndCoordinatesPerMatchedPair() {
        try (NDManager m = NDManager.newBaseManager()) {
            float ld = new InstanceDistillation(1f, InstanceDistillation.ClassDistance.BCE)
                    .compute(context(m, plainAdapters(m), null))
                    .getFloat();
            close(fixture.at("/ld/value").asDouble(), ld, "LD");
        }
    }

    @Test
    void contrastiveTermMatchesTheReferenceHeads() {
        try (NDManager m = NDManager.newBaseManager()) {
            int width = fixture.at("/sizes/headWidth").asInt();
            DistillationAdapters adapters = new DistillationAdapters(
                            fixture.at("/sizes/studentWidth").asInt(),
                            fixture.at("/sizes/teacherWidth").asInt(),
                            4,
                            4,
                            width)
                    .initializeParameters(m);
            setHead(m, adapters, "contrastive_student", fixture.at("/cl/studentHead"));
            setHead(m, adapters, "contrastive_teacher", fixture.at("/cl/teacherHead"));
            float cl = new ContrastiveDistillation(1f)
                    .compute(context(m, adapters, null))
                    .getFloat();
            close(fixture.at("/cl/value").asDouble(), cl, "cl");
            assertEquals(
                    0.2f * cl,
                    new ContrastiveDistillation(0.2f)
                            .compute(context(m, adapters, null))
                            .getFloat(),
                    1e-5f * cl);
        }
    }

    /** Copies PyTorch's {@code input.weight}, {@code norm.gamma}, ... into the head's DJL parameters. */
    private static void setHead(NDManager m, DistillationAdapters adapters, String prefix, JsonNode weights) {
        int set = 0;
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) weights::fields) {
            String djlName = prefix + "_" + e.getKey().replace('.', '_');
            Parameter p = null;
            for (Pair<String, Parameter> q : adapters.getParameters()) {
                // DJL numbers child blocks ("02contrastive_student_01input_weight"); compare without the numbers.
                if (q.getKey().replaceAll("(^|_)\\d\\d", "$1").equals(djlName)) {
                    p = q.getValue();
                }
            }
            assertTrue(
                    p != null,
                    "no adapter parameter " + djlName + " in "
                            + adapters.getParameters().keys());
            NDArray value = array(m, e.getValue());
            assertEquals(p.getArray().getShape(), value.getShape(), djlName);
            p.getArray().set(FloatBuffer.wrap(value.toFloatArray()));
            set++;
        }
        assertEquals(8, set);
    }

    @Test
    void featureMaskAndFeatureDistillationMatchTheReferenceOnTwoLevels() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertEquals(fixture.at("/fd/topK").asInt(), FeatureMask.topK(12, 3));
            DistillationContext ctx = context(m, plainAdapters(m), null);
            for (int l = 0; l < 2; l++) {
                float[] mask = ctx.teacher().featureMasks().get(0).get(l).toFloatArray();
                List<Float> expected = new ArrayList<>();
                flatten(fixture.at("/fd/masks/" + l), expected);
                assertEquals(expected.size(), mask.length);
                for (int i = 0; i < mask.length; i++) {
                    close(expected.get(i), mask[i], "FD mask level " + l + " element " + i);
                }
            }
            close(
                    fixture.at("/fd/value").asDouble(),
                    new FeatureDistillation(1f).compute(ctx).getFloat(),
                    "FD");
        }
    }

    @Test
    void detrMatchingCostAssignmentAndSetLossMatchTheReference() {
        try (NDManager m = NDManager.newBaseManager()) {
            SetCriterion criterion = new SetCriterion(LossWeights.defaults());
            List<DetectionTarget> targets = targets();
            NDArray logits = input(m, "studentLogits");
            NDArray boxes = input(m, "studentBoxes");
            HungarianMatcher assigner = new HungarianMatcher(LossWeights.defaults());
            float[] l = logits.toFloatArray();
            float[] b = boxes.toFloatArray();
            int n = 6;
            int c = 3;
            for (int i = 0; i < targets.size(); i++) {
                if (targets.get(i).size() == 0) {
                    continue;
                }
                double[] cost = assigner.cost(
                        java.util.Arrays.copyOfRange(l, i * n * c, (i + 1) * n * c),
                        java.util.Arrays.copyOfRange(b, i * n * 4, (i + 1) * n * 4),
                        n,
                        c,
                        targets.get(i));
                JsonNode expected = fixture.at("/detr/cost/" + i);
                int mgt = targets.get(i).size();
                for (int r = 0; r < n; r++) {
                    for (int g = 0; g < mgt; g++) {
                        close(
                                expected.get(r).get(g).asDouble(),
                                cost[r * mgt + g],
                                "DETR cost image " + i + " [" + r + "," + g + "]");
                    }
                }
            }
            List<Assignment> matches = criterion.match(logits, boxes, targets);
            for (int i = 0; i < matches.size(); i++) {
                assertArrayEquals(
                        ints(fixture.at("/detr/rows/" + i)), matches.get(i).rows(), "DETR rows image " + i);
                assertArrayEquals(
                        ints(fixture.at("/detr/cols/" + i)), matches.get(i).cols(), "DETR cols image " + i);
            }
            float numBoxes = targets.stream().mapToInt(DetectionTarget::size).sum();
            Map<String, NDArray> loss = criterion.stageLoss(logits, boxes, targets, matches, numBoxes);
            close(fixture.at("/detr/focal").asDouble(), loss.get("loss_focal").getFloat(), "focal");
            close(fixture.at("/detr/l1").asDouble(), loss.get("loss_l1").getFloat(), "L1");
            close(fixture.at("/detr/giou").asDouble(), loss.get("loss_giou").getFloat(), "GIoU");
            close(fixture.at("/detr/loss").asDouble(), loss.get("loss").getFloat(), "DETR loss");
        }
    }

    @Test
    void assignmentDistillationUsesTheTeachersOwnAssignment() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderOutput group = new DecoderOutput(
                    List.of(array(m, fixture.at("/ad/groupLogits"))),
                    List.of(array(m, fixture.at("/ad/groupBoxes"))),
                    List.of(m.zeros(new Shape(2, 12, 8))));
            DistillationContext ctx = context(m, plainAdapters(m), group);
            List<Assignment> teacherAssignment = ctx.teacher().assignments().get(0);
            for (int i = 0; i < teacherAssignment.size(); i++) {
                assertArrayEquals(
                        ints(fixture.at("/ad/teacherRows/" + i)),
                        teacherAssignment.get(i).rows(),
                        "teacher rows image " + i);
                assertArrayEquals(
                        ints(fixture.at("/ad/teacherCols/" + i)),
                        teacherAssignment.get(i).cols(),
                        "teacher cols image " + i);
            }
            float ad = new AssignmentDistillation(1f, new SetCriterion(LossWeights.defaults()))
                    .compute(ctx)
                    .getFloat();
            close(fixture.at("/ad/loss").asDouble(), ad, "AD");
        }
    }

    @Test
    void priorEntersAsIsWhenWidthsMatchAndThroughAProjectionOtherwise() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray prior = m.randomUniform(-2f, 2f, new Shape(12, 4));
            DistillationAdapters same = new DistillationAdapters(8, 8, 4, 4, 0).initializeParameters(m);
            assertTrue(!same.hasPriorProjection());
            NDArray asIs = same.projectPrior(new ParameterStore(m, false), prior, 2, true);
            assertEquals(new Shape(2, 12, 4), asIs.getShape());
            assertArrayEquals(prior.toFloatArray(), asIs.get(1).toFloatArray(), 0f);
            assertEquals(0, same.getParameters().size(), "no trainable glue between equal widths");
            DistillationAdapters wider = new DistillationAdapters(8, 8, 16, 4, 0).initializeParameters(m);
            assertTrue(wider.hasPriorProjection());
            assertEquals(
                    new Shape(2, 12, 16),
                    wider.projectPrior(new ParameterStore(m, false), prior, 2, true)
                            .getShape());
        }
    }
}
