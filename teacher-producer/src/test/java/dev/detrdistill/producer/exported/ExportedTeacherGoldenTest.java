package dev.detrdistill.producer.exported;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.detrdistill.data.Batches;
import dev.detrdistill.data.ImageDecoder;
import dev.detrdistill.data.ImageEntry;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.data.ViewParams;
import dev.detrdistill.data.ViewTransform;
import dev.detrdistill.distill.FeatureMask;
import dev.detrdistill.distill.OnlineTeacher;
import dev.detrdistill.distill.TeacherKnowledge;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DetrOutput;
import dev.detrdistill.producer.EncodingPolicy;
import dev.detrdistill.producer.TeacherRecordFactory;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.Tensor;
import dev.detrdistill.records.TensorCodec;
import dev.detrdistill.records.TensorEncoding;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Teachers exported from Hugging Face transformers by tools/export-teacher (DETR with its softmax head, Deformable
 * DETR with three feature levels, Conditional DETR), as TorchScript and as ONNX: the producer's image path, the
 * file run through DJL or ONNX Runtime, and the records built from it agree with PyTorch's own outputs on two
 * images (the golden .npz files written by the same tool).
 */
class ExportedTeacherGoldenTest {
    static final int SIZE = 128;
    static final List<String> CLASSES = List.of("square", "circle", "triangle");
    static final float RTOL = 1e-4f;
    static final float ATOL = 1e-5f;

    @ParameterizedTest(name = "{0}.{1}")
    @CsvSource({
        "detr, pt, 1",
        "detr, onnx, 1",
        "deformable-detr, pt, 3",
        "deformable-detr, onnx, 3",
        "conditional-detr, pt, 1",
        "conditional-detr, onnx, 1"
    })
    void recordsAgreeWithPyTorch(String arch, String format, int levels) throws Exception {
        Path dir = fixtures();
        try (NDManager m = NDManager.newBaseManager();
                ExportedTeacher teacher = ExportedTeacher.open(dir.resolve(arch + "." + format), SIZE)) {
            NDList golden = decode(m, dir.resolve(arch + "-golden.npz"));

            // The producer's image path renders the PNGs into exactly the input PyTorch saw.
            List<ImageView> views = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                Path png = dir.resolve("golden-" + i + ".png");
                ImageEntry entry = new ImageEntry("golden-" + i, png, SIZE, SIZE, List.of());
                views.add(ViewTransform.apply(
                        entry, ImageDecoder.decode(png.toFile(), png.toString()), ViewParams.identity(SIZE)));
            }
            NDArray images = Batches.images(m, views);
            close("pixels", images, golden.get("pixels"), 1e-5f, 1e-6f);

            DetrOutput out = teacher.forward(images);
            int k = out.queries().numStages();
            assertEquals(3, k);
            assertEquals(levels, out.features().size());
            for (int s = 0; s < k; s++) {
                close("logits_" + (s + 1), out.queries().logits().get(s), golden.get("logits_" + (s + 1)), RTOL, ATOL);
                close("boxes_" + (s + 1), out.queries().boxes().get(s), golden.get("boxes_" + (s + 1)), RTOL, ATOL);
                close(
                        "embeddings_" + (s + 1),
                        out.queries().embeddings().get(s),
                        golden.get("embeddings_" + (s + 1)),
                        RTOL,
                        ATOL);
            }
            for (int l = 0; l < levels; l++) {
                close("features_" + (l + 1), out.features().get(l), golden.get("features_" + (l + 1)), RTOL, ATOL);
            }
            close("query_prior", out.queryPrior(), golden.get("query_prior"), RTOL, ATOL);

            // The records carry those numbers (FP32), per image, every stage and level.
            TeacherKnowledge knowledge = OnlineTeacher.fromOutput(
                    out, Batches.targets(views), new SetCriterion(LossWeights.defaults()), FeatureMask.Kind.COSINE);
            TeacherRecordFactory factory =
                    new TeacherRecordFactory("golden", "hf", 1, EncodingPolicy.uniform(TensorEncoding.FP32));
            for (int b = 0; b < 2; b++) {
                TeacherRecord r = factory.create(
                        knowledge,
                        b,
                        new ImageEntry(
                                "golden-" + (b + 1), dir.resolve("golden-" + (b + 1) + ".png"), SIZE, SIZE, List.of()),
                        views.get(b),
                        0,
                        new byte[] {1},
                        "00");
                for (int s = 0; s < k; s++) {
                    closeRecord(
                            arch + " image " + b + " logits_" + (s + 1),
                            r.getStages().get(s).getLogits(),
                            golden.get("logits_" + (s + 1)).get(b));
                    closeRecord(
                            arch + " image " + b + " boxes_" + (s + 1),
                            r.getStages().get(s).getBoxes(),
                            golden.get("boxes_" + (s + 1)).get(b));
                    closeRecord(
                            arch + " image " + b + " embeddings_" + (s + 1),
                            r.getStages().get(s).getEmbeddings(),
                            golden.get("embeddings_" + (s + 1)).get(b));
                    assertEquals(
                            levels - 1,
                            r.getStages().get(s).getMoreFeatureMasks().size(),
                            "a mask per level");
                }
                closeRecord(
                        arch + " image " + b + " features_1",
                        r.getFeatures(),
                        golden.get("features_1").get(b));
                for (int l = 1; l < levels; l++) {
                    closeRecord(
                            arch + " image " + b + " features_" + (l + 1),
                            r.getMoreFeatureLevels().get(l - 1),
                            golden.get("features_" + (l + 1)).get(b));
                }
            }

            // The card describes the file from a probe pass.
            TeacherCard card = teacher.card(CLASSES, "hf", 1);
            assertEquals(3, card.getNumStages());
            assertEquals(12, card.getNumQueries());
            assertEquals(32, card.getHiddenDim());
            assertArrayEquals(
                    golden.get("query_prior").getShape().getShape(),
                    java.util.Arrays.stream(TensorCodec.shape(card.getQueryPrior()))
                            .asLongStream()
                            .toArray());
            assertTrue(
                    card.getConfigJson()
                            .contains("\"format\":\"" + (format.equals("pt") ? "torchscript" : "onnx") + "\""),
                    card.getConfigJson());
        }
    }

    static Path fixtures() throws URISyntaxException {
        return Path.of(ExportedTeacherGoldenTest.class
                        .getResource("/teachers/golden-1.png")
                        .toURI())
                .getParent();
    }

    static NDList decode(NDManager m, Path npz) throws Exception {
        try (InputStream in = Files.newInputStream(npz)) {
            return NDList.decode(m, in);
        }
    }

    private static void closeRecord(String what, Tensor t, NDArray expected) {
        assertArrayEquals(
                expected.getShape().getShape(),
                java.util.Arrays.stream(TensorCodec.shape(t)).asLongStream().toArray(),
                what);
        compare(what, TensorCodec.decode(t), expected.toFloatArray(), RTOL, ATOL);
    }

    static void close(String what, NDArray actual, NDArray expected, float rtol, float atol) {
        assertEquals(expected.getShape(), actual.getShape(), what + " shape");
        compare(what, actual.toFloatArray(), expected.toFloatArray(), rtol, atol);
    }

    private static void compare(String what, float[] a, float[] e, float rtol, float atol) {
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]))) {
                fail(what + "[" + i + "]: " + a[i] + " vs PyTorch " + e[i]);
            }
        }
    }
}
