package dev.detrdistill.trainer;

import dev.detrdistill.records.FeatureSources;
import dev.detrdistill.records.Stage;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.Tensor;
import dev.detrdistill.records.TensorCodec;
import dev.detrdistill.stream.ClaimCheck;
import dev.detrdistill.stream.FileReferences;
import java.util.Arrays;
import java.util.List;

/**
 * Checks a record against its teacher's card before any student sees it: every tensor's shape, the
 * assignment's indices, the ground truth, and that every value is finite. A failure names the record,
 * the field and what was expected; the record goes to the dead-letter output, the job goes on.
 */
public final class RecordValidator {
    public static final String SHAPE = "shape mismatch";
    public static final String NON_FINITE = "non-finite tensor";
    public static final String GROUND_TRUTH = "invalid ground truth";

    public static final String STALE_CARD = "teacher card predates encoder-input features";

    private RecordValidator() {}

    /** @throws BadRecordException naming the first problem found */
    public static void check(TeacherRecord r, TeacherCard card) {
        String key = RecordViews.key(r);
        int n = card.getNumQueries();
        int c = card.getClassNames().size();
        int d = card.getHiddenDim();
        if (!FeatureSources.ENCODER_INPUT.equals(card.getFeatureSource())) {
            throw new BadRecordException(
                    STALE_CARD,
                    key + ": teacher " + card.getTeacherId() + " v" + card.getTeacherVersion()
                            + " was published with featureSource=" + card.getFeatureSource()
                            + " (the encoder's output memory); feature "
                            + "distillation now uses the maps that enter the encoder: run produce again with this "
                            + "version of the producer");
        }
        var view = r.getView();
        int size = card.getInputSize();
        if (view.getScaledSize() < 1
                || view.getScaledSize() > 4 * size
                || Math.abs(view.getOffsetX()) > 4 * size
                || Math.abs(view.getOffsetY()) > 4 * size) {
            throw new BadRecordException(
                    SHAPE,
                    key + ": view scaledSize " + view.getScaledSize() + ", offsets (" + view.getOffsetX() + ", "
                            + view.getOffsetY() + "); for input size " + size + " the scale is 1.." + 4 * size
                            + " and each offset within +-" + 4 * size);
        }
        if (r.getImage().getWidth() < 1 || r.getImage().getHeight() < 1) {
            throw new BadRecordException(
                    "unreadable image",
                    key + ": image size " + r.getImage().getWidth() + " x "
                            + r.getImage().getHeight() + " is not positive");
        }
        if (r.getView().getOutputSize() != card.getInputSize()) {
            throw new BadRecordException(
                    SHAPE,
                    key + ": view outputSize " + r.getView().getOutputSize() + " but the teacher's input size is "
                            + card.getInputSize());
        }
        Tensor gtBoxes = r.getGroundTruth().getBoxes();
        int m = r.getGroundTruth().getLabels().size();
        expectShape(key, "groundTruth.boxes", gtBoxes, m, 4);
        for (int label : r.getGroundTruth().getLabels()) {
            if (label < 0 || label >= c) {
                throw new BadRecordException(
                        GROUND_TRUTH,
                        key + ": ground-truth label " + label + " is outside the teacher's " + c + " classes");
            }
        }
        float[] gt = finite(key, "groundTruth.boxes", gtBoxes, v -> TensorCodec.decode(ClaimCheck.resolve(v)));
        for (int i = 0; i < m; i++) {
            if (!(gt[4 * i + 2] > 0 && gt[4 * i + 3] > 0)) {
                throw new BadRecordException(
                        GROUND_TRUTH,
                        key + ": ground-truth box " + i + " has width or height <= 0: "
                                + Arrays.toString(Arrays.copyOfRange(gt, 4 * i, 4 * i + 4)));
            }
        }
        if (r.getStages().size() != card.getNumStages()) {
            throw new BadRecordException(
                    SHAPE, key + ": " + r.getStages().size() + " decoder stages, the card says " + card.getNumStages());
        }
        int[] fs = TensorCodec.shape(r.getFeatures());
        expectShape(key, "features", r.getFeatures(), d, fs.length == 3 ? fs[1] : -1, fs.length == 3 ? fs[2] : -1);
        mapWithinInput(key, "features", fs, card.getInputSize());
        finite(key, "features", r.getFeatures(), decoded(r, "features.0"));
        List<Tensor> levels = r.getMoreFeatureLevels();
        List<int[]> levelShapes = new java.util.ArrayList<>();
        levelShapes.add(fs);
        for (int l = 0; l < levels.size(); l++) {
            int[] ls = TensorCodec.shape(levels.get(l));
            String field = "moreFeatureLevels[" + l + "]";
            expectShape(key, field, levels.get(l), d, ls.length == 3 ? ls[1] : -1, ls.length == 3 ? ls[2] : -1);
            mapWithinInput(key, field, ls, card.getInputSize());
            finite(key, field, levels.get(l), decoded(r, "features." + (l + 1)));
            levelShapes.add(ls);
        }
        for (int s = 0; s < r.getStages().size(); s++) {
            Stage st = r.getStages().get(s);
            String at = "stages[" + s + "].";
            expectShape(key, at + "logits", st.getLogits(), n, c);
            expectShape(key, at + "boxes", st.getBoxes(), n, 4);
            expectShape(key, at + "embeddings", st.getEmbeddings(), n, d);
            expectShape(key, at + "featureMask", st.getFeatureMask(), fs[1], fs[2]);
            finite(key, at + "logits", st.getLogits(), decoded(r, "logits" + s));
            finite(key, at + "boxes", st.getBoxes(), decoded(r, "boxes" + s));
            finite(key, at + "embeddings", st.getEmbeddings(), decoded(r, "embeddings" + s));
            finite(key, at + "featureMask", st.getFeatureMask(), decoded(r, "mask" + s + ".0"));
            if (st.getMoreFeatureMasks().size() != levels.size()) {
                throw new BadRecordException(
                        SHAPE,
                        key + ": " + at + "moreFeatureMasks has "
                                + st.getMoreFeatureMasks().size() + " masks for " + levels.size()
                                + " more feature levels");
            }
            for (int l = 0; l < levels.size(); l++) {
                String field = at + "moreFeatureMasks[" + l + "]";
                expectShape(
                        key,
                        field,
                        st.getMoreFeatureMasks().get(l),
                        levelShapes.get(l + 1)[1],
                        levelShapes.get(l + 1)[2]);
                finite(key, field, st.getMoreFeatureMasks().get(l), decoded(r, "mask" + s + "." + (l + 1)));
            }
            List<Integer> q = st.getAssignedQueries();
            List<Integer> t = st.getAssignedTargets();
            if (q.size() != t.size() || q.size() != Math.min(n, m)) {
                throw new BadRecordException(
                        SHAPE,
                        key + ": " + at + "assignment pairs " + q.size() + " queries with " + t.size()
                                + " targets; expected min(queries " + n + ", ground truth " + m + ") of each");
            }
            for (int i = 0; i < q.size(); i++) {
                if (q.get(i) < 0 || q.get(i) >= n || t.get(i) < 0 || t.get(i) >= m) {
                    throw new BadRecordException(
                            SHAPE,
                            key + ": " + at + "assignment pair (" + q.get(i) + ", " + t.get(i) + ") is out of range");
                }
            }
        }
    }

    /** A feature map is at most as large as the teacher's input (stride >= 1), at least one cell. */
    private static void mapWithinInput(String key, String field, int[] shape, int inputSize) {
        if (shape[1] < 1 || shape[2] < 1 || shape[1] > inputSize || shape[2] > inputSize) {
            throw new BadRecordException(
                    SHAPE,
                    key + ": " + field + " is " + shape[1] + " x " + shape[2] + "; a feature map of this teacher is 1.."
                            + inputSize + " on each side (its input size)");
        }
    }

    private static void expectShape(String key, String field, Tensor t, int... expected) {
        int[] shape = TensorCodec.shape(t);
        if (!Arrays.equals(shape, expected)) {
            throw new BadRecordException(
                    SHAPE,
                    key + ": " + field + " has shape " + Arrays.toString(shape) + ", expected "
                            + Arrays.toString(expected) + " for this teacher");
        }
    }

    /** Decodes through the shared cache, so the students of this record need not decode it again. */
    private static java.util.function.Function<Tensor, float[]> decoded(TeacherRecord r, String field) {
        return t -> DecodedTensors.get(r, field, t);
    }

    private static float[] finite(
            String key, String field, Tensor t, java.util.function.Function<Tensor, float[]> decode) {
        float[] v;
        try {
            v = decode.apply(t);
        } catch (FileReferences.RefusedReference e) {
            throw new BadRecordException(e.reason(), key + ": " + field + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new BadRecordException(SHAPE, key + ": " + field + " cannot be decoded: " + e.getMessage());
        }
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new BadRecordException(NON_FINITE, key + ": " + field + " holds " + v[i] + " at flat index " + i);
            }
        }
        return v;
    }
}
