package dev.detrdistill.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.detrdistill.TestData;
import dev.detrdistill.box.Scalars;
import dev.detrdistill.data.Batches;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.loss.ElementwiseLosses;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.matching.Assignment;
import dev.detrdistill.model.DecoderType;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.model.DetrOutput;
import dev.detrdistill.train.BatchSampler;
import dev.detrdistill.train.DetectorTrainer;
import dev.detrdistill.train.LearningRateSchedule;
import dev.detrdistill.train.TrainOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DistillationTest {
    private static final int SIZE = 32;
    private static final SetCriterion CRITERION = new SetCriterion(LossWeights.defaults());

    private static DetrConfig config(int width, int stages, int queries, DecoderType type) {
        return DetrConfig.builder()
                .backboneWidths(List.of(8, 16, 16))
                .blocksPerStage(0)
                .hiddenDim(width)
                .numHeads(4)
                .ffnDim(2 * width)
                .encoderLayers(1)
                .decoderLayers(stages)
                .numQueries(queries)
                .numClasses(3)
                .decoder(type)
                .imageSize(SIZE)
                .build();
    }

    private static TrainOptions options(long seed) {
        return new TrainOptions(
                12, 2, 5e-4f, 1e-4f, 2, LearningRateSchedule.Kind.COSINE, 0.1f, 0.9, 1.1, 0.5, 0, 0, 0, 1, seed);
    }

    private static List<ImageView> batch(int step) {
        DetectionDataset data = TestData.tinyTrain();
        return new BatchSampler(data, new ImageCache(64), options(1), SIZE).batch(step);
    }

    private static DistillationContext context(
            NDManager m,
            DetrModel student,
            TeacherKnowledge k,
            List<ImageView> views,
            DistillationAdapters adapters,
            boolean training,
            NDArray extra) {
        NDArray images = Batches.images(m, views);
        ParameterStore ps = new ParameterStore(m, false);
        DetrOutput out = student.detect(ps, images, extra, training);
        StageMapping mapping = StageMapping.proportional(student.config().decoderLayers(), k.numStages());
        return new DistillationContext(
                ps, out, k, Batches.targets(views), mapping, adapters, new InstanceMatcher(5f, 2f));
    }

    private static TeacherKnowledge teacherKnowledge(NDManager m, DetrModel teacher, List<ImageView> views) {
        return new OnlineTeacher(teacher, CRITERION).knowledge(Batches.images(m, views), views);
    }

    private static DetrModel copyOf(DetrModel source, NDManager m) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        source.saveParameters(new DataOutputStream(bytes));
        DetrModel copy = new DetrModel(source.config()).initializeParameters(m);
        copy.loadParameters(m, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        return copy;
    }

    @Test
    void termsSitAtTheirFloorWhenTheStudentIsACopyOfTheTeacher() throws Exception {
        Engine.getInstance().setRandomSeed(3);
        try (NDManager m = NDManager.newBaseManager()) {
            DetrConfig c = config(32, 3, 10, DecoderType.ANCHOR);
            DetrModel teacher = new DetrModel(c).initializeParameters(m);
            DetrModel student = copyOf(teacher, m);
            List<ImageView> views = batch(0);
            TeacherKnowledge k = teacherKnowledge(m, teacher, views);
            DistillationAdapters adapters = new DistillationAdapters(32, 32, 4, 4).initializeParameters(m);
            DistillationContext ctx = context(m, student, k, views, adapters, false, null);

            // The teacher's boxes are clipped to the image, so a copy keeps only the distance of its own boxes
            // to their clipped selves; KL vanishes.
            float clipping = 0;
            float entropy = 0;
            for (int s = 0; s < k.numStages(); s++) {
                NDArray b = k.boxes().get(s).reshape(-1, 4);
                NDArray clipped = dev.detrdistill.box.BoxOps.clipToImage(b);
                float pairs = b.getShape().get(0);
                clipping += 5 * b.sub(clipped).abs().sum().getFloat() / pairs
                        + 2
                                * Scalars.rsub(
                                                1f,
                                                dev.detrdistill.box.BoxOps.elementwiseGiou(
                                                        dev.detrdistill.box.BoxOps.cxcywhToXyxy(b),
                                                        dev.detrdistill.box.BoxOps.cxcywhToXyxy(clipped)))
                                        .sum()
                                        .getFloat()
                                / pairs;
                // BCE against the teacher's own probabilities floors at its entropy, summed over classes, per pair.
                entropy += ElementwiseLosses.bceWithLogits(
                                        k.logits().get(s),
                                        Activation.sigmoid(k.logits().get(s)))
                                .sum()
                                .getFloat()
                        / pairs;
            }
            float kl = new InstanceDistillation(1f, InstanceDistillation.ClassDistance.KL)
                    .compute(ctx)
                    .getFloat();
            assertEquals(
                    clipping, kl, 1e-3f * Math.max(1, clipping), "KL vanishes for a copy; only box clipping is left");
            float bce = new InstanceDistillation(1f, InstanceDistillation.ClassDistance.BCE)
                    .compute(ctx)
                    .getFloat();
            assertEquals(entropy + clipping, bce, 1e-3f * Math.max(1, bce));
            assertEquals(0f, new QueryRelationDistillation(1f).compute(ctx).getFloat(), 1e-4f);
            assertEquals(0f, new FeatureDistillation(1f).compute(ctx).getFloat(), 1e-6f);
            for (int s = 0; s < 3; s++) {
                for (Assignment a : ctx.matches(s)) {
                    assertArrayEquals(a.rows(), a.cols(), "a copy matches every query to itself");
                }
            }
        }
    }

    @Test
    void invariantToTheOrderOfTheTeachersQueries() {
        Engine.getInstance().setRandomSeed(4);
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel teacher = new DetrModel(config(32, 3, 12, DecoderType.ANCHOR)).initializeParameters(m);
            DetrModel student = new DetrModel(config(32, 2, 8, DecoderType.ANCHOR)).initializeParameters(m);
            List<ImageView> views = batch(1);
            TeacherKnowledge k = teacherKnowledge(m, teacher, views);
            int[] perm = {5, 3, 11, 0, 7, 1, 9, 2, 10, 4, 8, 6};
            TeacherKnowledge shuffled = permute(m, k, perm);
            DistillationAdapters adapters = new DistillationAdapters(32, 32, 4, 4).initializeParameters(m);
            for (DistillationTerm term : List.of(
                    new InstanceDistillation(1f, InstanceDistillation.ClassDistance.BCE),
                    new QueryRelationDistillation(1f),
                    new FeatureDistillation(1f))) {
                float a = term.compute(context(m, student, k, views, adapters, false, null))
                        .getFloat();
                float b = term.compute(context(m, student, shuffled, views, adapters, false, null))
                        .getFloat();
                assertEquals(a, b, 1e-4f * Math.max(1, Math.abs(a)), term.name());
            }
        }
    }

    private static TeacherKnowledge permute(NDManager m, TeacherKnowledge k, int[] perm) {
        NDArray idx = m.create(java.util.Arrays.stream(perm).asLongStream().toArray());
        java.util.function.Function<NDArray, NDArray> p =
                a -> a.transpose(1, 0, 2).get(idx).transpose(1, 0, 2);
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inverse[perm[i]] = i;
        }
        List<List<Assignment>> assignments = new ArrayList<>();
        for (List<Assignment> stage : k.assignments()) {
            List<Assignment> out = new ArrayList<>();
            for (Assignment a : stage) {
                int[] rows = new int[a.size()];
                for (int r = 0; r < a.size(); r++) {
                    rows[r] = inverse[a.rows()[r]];
                }
                out.add(new Assignment(rows, a.cols(), a.totalCost()));
            }
            assignments.add(out);
        }
        return new TeacherKnowledge(
                k.logits().stream().map(p).toList(),
                k.boxes().stream().map(p).toList(),
                k.embeddings().stream().map(p).toList(),
                assignments,
                k.features(),
                k.featureMasks(),
                k.queryPrior().get(idx));
    }

    @Test
    void gradientsReachStudentAndAdaptersButNeverTheTeacher() {
        Engine.getInstance().setRandomSeed(5);
        try (NDManager m = NDManager.newBaseManager()) {
            DetrModel teacher = new DetrModel(config(64, 3, 12, DecoderType.ANCHOR)).initializeParameters(m);
            DetrModel student = new DetrModel(config(32, 2, 8, DecoderType.PLAIN)).initializeParameters(m);
            OnlineTeacher online = new OnlineTeacher(teacher, CRITERION);
            Distiller distiller = new Distiller(student, online, DistillationSettings.all(), m);
            List<ImageView> views = batch(2);
            try (NDManager step = m.newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray images = Batches.images(step, views);
                ParameterStore ps = new ParameterStore(step, false);
                NDArray extra = distiller.extraQueries(ps, images, views);
                DetrOutput out = student.detect(ps, images, extra, true);
                Map<String, NDArray> terms = distiller.compute(student, ps, images, views, out);
                assertEquals(
                        List.of("distill_ld", "distill_cl", "distill_fd", "distill_ad"), List.copyOf(terms.keySet()));
                NDArray total = terms.values().stream().reduce(NDArray::add).orElseThrow();
                gc.backward(total);
            }
            assertTrue(anyNonZeroGradient(student.getParameters()), "student parameters receive gradients");
            assertTrue(anyNonZeroGradient(distiller.adapters().getParameters()), "adapters receive gradients");
            for (Pair<String, Parameter> p : teacher.getParameters()) {
                NDArray w = p.getValue().getArray();
                assertFalse(
                        w.hasGradient() && w.getGradient().abs().sum().getFloat() > 0,
                        "teacher parameter " + p.getKey() + " got a gradient");
            }
        }
    }

    private static boolean anyNonZeroGradient(ai.djl.util.PairList<String, Parameter> params) {
        for (Pair<String, Parameter> p : params) {
            NDArray w = p.getValue().getArray();
            if (w.hasGradient() && w.getGradient().abs().sum().getFloat() > 0) {
                return true;
            }
        }
        return false;
    }

    @Test
    void everyStudentTeacherMismatchTrainsWithFiniteLosses() {
        int[][] shapes = { // {teacher width, stages, queries, student width, stages, queries}
            {64, 3, 12, 32, 2, 8}, // shallower, fewer queries, narrower
            {32, 2, 8, 64, 4, 12}, // deeper, more queries, wider than the teacher
            {32, 3, 10, 32, 3, 10}, // same shape
            {64, 1, 6, 32, 3, 16}, // one-stage teacher
        };
        for (int[] s : shapes) {
            for (DecoderType td : DecoderType.values()) {
                for (DecoderType sd : DecoderType.values()) {
                    Engine.getInstance().setRandomSeed(7);
                    try (NDManager m = NDManager.newBaseManager()) {
                        DetrModel teacher = new DetrModel(config(s[0], s[1], s[2], td)).initializeParameters(m);
                        DetrModel student = new DetrModel(config(s[3], s[4], s[5], sd)).initializeParameters(m);
                        Distiller distiller = new Distiller(
                                student, new OnlineTeacher(teacher, CRITERION), DistillationSettings.all(), m);
                        DetectorTrainer trainer =
                                new DetectorTrainer(student, CRITERION, m, options(1)).withExtraLoss(distiller);
                        for (int step = 0; step < 1; step++) {
                            DetectorTrainer.StepResult r = trainer.step(step, batch(step));
                            String what = java.util.Arrays.toString(s) + " " + td + "->" + sd;
                            assertTrue(
                                    r.losses()
                                            .keySet()
                                            .containsAll(
                                                    List.of("distill_ld", "distill_cl", "distill_fd", "distill_ad")),
                                    what);
                            r.losses().forEach((key, v) -> assertTrue(Float.isFinite(v), what + " " + key + "=" + v));
                            assertTrue(Double.isFinite(r.gradNorm()), what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void distilledTrainingStaysFiniteOverSeveralSeeds() {
        for (long seed = 1; seed <= 3; seed++) {
            Engine.getInstance().setRandomSeed((int) seed);
            try (NDManager m = NDManager.newBaseManager()) {
                DetrModel teacher = new DetrModel(config(64, 3, 12, DecoderType.ANCHOR)).initializeParameters(m);
                DetrModel student = new DetrModel(config(32, 2, 8, DecoderType.ANCHOR)).initializeParameters(m);
                Distiller distiller =
                        new Distiller(student, new OnlineTeacher(teacher, CRITERION), DistillationSettings.all(), m);
                TrainOptions o = options(seed);
                DetectorTrainer trainer = new DetectorTrainer(student, CRITERION, m, o).withExtraLoss(distiller);
                double first = 0;
                double last = 0;
                List<ImageView> fixed = batch(0); // one batch, so the trend is not hidden by batch-to-batch noise
                for (int step = 0; step < o.steps(); step++) {
                    DetectorTrainer.StepResult r = trainer.step(step, fixed);
                    r.losses().forEach((key, v) -> assertTrue(Float.isFinite(v), key + "=" + v));
                    if (step < 3) {
                        first += r.losses().get("loss");
                    }
                    if (step >= o.steps() - 3) {
                        last += r.losses().get("loss");
                    }
                }
                assertTrue(
                        last < first,
                        "seed " + seed + ": total loss (DETR + all distillation terms) did not fall: " + first + " -> "
                                + last);
            }
        }
    }

    @Test
    void bothFeatureMaskVariantsAreNormalisedAndFollowTheTeachersBestQueries() {
        Engine.getInstance().setRandomSeed(9);
        try (NDManager m = NDManager.newBaseManager()) {
            // 60 queries: the top 20 pairs (a third of the queries, as the reference's 100 of 300) overlap the GT.
            DetrModel teacher = new DetrModel(config(32, 2, 60, DecoderType.DAB)).initializeParameters(m);
            List<ImageView> views = batch(3);
            NDArray images = Batches.images(m, views);
            DetrOutput out = teacher.detect(new ParameterStore(m, false), images, false);
            int last = 1;
            NDArray cos = FeatureMask.compute(
                    out.queries().logits().get(last),
                    out.queries().boxes().get(last),
                    out.queries().embeddings().get(last),
                    out.features().get(0),
                    Batches.targets(views),
                    FeatureMask.Kind.COSINE);
            NDArray sig = FeatureMask.compute(
                    out.queries().logits().get(last),
                    out.queries().boxes().get(last),
                    out.queries().embeddings().get(last),
                    out.features().get(0),
                    Batches.targets(views),
                    FeatureMask.Kind.SIGMOID);
            for (NDArray mask : List.of(cos, sig)) {
                assertEquals(new ai.djl.ndarray.types.Shape(2, 4, 4), mask.getShape());
                assertEquals(1f, mask.max().getFloat(), 1e-5f, "normalised by the per-image maximum");
                assertTrue(mask.min().getFloat() > 0f, "clamped at 0.01 before normalising, so never zero");
            }
            assertTrue(cos.sub(sig).abs().sum().getFloat() > 1e-3f, "the variants differ");
        }
    }

    @Test
    void stageMappingIsProportionalByDefaultAndValidatedWhenExplicit() {
        assertArrayEquals(new int[] {1, 3}, StageMapping.proportional(2, 4).teacherStageOf());
        assertArrayEquals(new int[] {0, 1, 2}, StageMapping.proportional(3, 3).teacherStageOf());
        assertArrayEquals(
                new int[] {0, 0, 1, 1, 2, 2}, StageMapping.proportional(6, 3).teacherStageOf());
        assertArrayEquals(new int[] {0}, StageMapping.proportional(1, 1).teacherStageOf());
        assertArrayEquals(new int[] {0, 0, 0}, StageMapping.proportional(3, 1).teacherStageOf());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> StageMapping.explicit(List.of(1, 5), 2, 4));
        assertTrue(e.getMessage().contains("teacher has stages 1..4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StageMapping.explicit(List.of(1), 2, 4));
    }

    @Test
    void referencePairingTakesStageKFromStageKAndRefusesDeeperStudents() {
        assertArrayEquals(
                new int[] {0, 1},
                StageMapping.reference(2, 4).teacherStageOf(),
                "the reference pairs the first K_S stages");
        assertArrayEquals(new int[] {0, 1, 2}, StageMapping.reference(3, 3).teacherStageOf());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StageMapping.reference(4, 3));
        assertTrue(e.getMessage().contains("PROPORTIONAL"), e.getMessage());
        // As users write it, on the command line or in a student file.
        DistillationSettings all = DistillationSettings.all();
        assertEquals(
                StageMapping.reference(2, 4),
                StageMappingOption.apply(all, "reference", "--stage-map").mapping(2, 4));
        assertEquals(
                StageMapping.proportional(2, 4),
                StageMappingOption.apply(all, "Proportional", "--stage-map").mapping(2, 4));
        assertEquals(
                StageMapping.explicit(List.of(3, 4), 2, 4),
                StageMappingOption.apply(all, "3,4", "--stage-map").mapping(2, 4));
        assertEquals(StageMapping.proportional(2, 4), all.mapping(2, 4), "proportional is the default");
        assertTrue(assertThrows(
                        IllegalArgumentException.class, () -> StageMappingOption.apply(all, "first", "--stage-map"))
                .getMessage()
                .contains("--stage-map"));
    }

    @Test
    void theDefaultTermsAreTheReferences() {
        DistillationSettings d = DistillationSettings.all();
        assertEquals(1f, d.instance());
        assertEquals(0.2f, d.contrastive());
        assertEquals(0f, d.relation());
        assertEquals(1f, d.feature());
        assertEquals(1f, d.assignment());
    }
}
