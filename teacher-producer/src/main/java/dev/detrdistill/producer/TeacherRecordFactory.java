package dev.detrdistill.producer;

import ai.djl.ndarray.NDArray;
import dev.detrdistill.data.ImageEntry;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.data.ViewParams;
import dev.detrdistill.distill.TeacherKnowledge;
import dev.detrdistill.matching.Assignment;
import dev.detrdistill.records.GroundTruth;
import dev.detrdistill.records.ImageRef;
import dev.detrdistill.records.Stage;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.Tensor;
import dev.detrdistill.records.TensorCodec;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.records.View;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Turns one image view's slice of a batch's {@link TeacherKnowledge} into a {@link TeacherRecord}. */
public final class TeacherRecordFactory {
    private final String datasetId;
    private final String teacherId;
    private final int teacherVersion;
    private final EncodingPolicy encodings;

    public TeacherRecordFactory(String datasetId, String teacherId, int teacherVersion, EncodingPolicy encodings) {
        this.datasetId = datasetId;
        this.teacherId = teacherId;
        this.teacherVersion = teacherVersion;
        this.encodings = encodings;
    }

    /**
     * @param b index of this view in the batch
     * @param imageBytes the original image file, carried inline
     * @throws dev.detrdistill.records.NonFiniteTensorException when a teacher output holds NaN or infinity
     */
    public TeacherRecord create(
            TeacherKnowledge k, int b, ImageEntry entry, ImageView view, int viewId, byte[] imageBytes, String sha256) {
        // Plain setters throughout: Avro's builders deep-copy every nested record and ByteBuffer.
        List<Stage> stages = new ArrayList<>();
        for (int s = 0; s < k.numStages(); s++) {
            Assignment a = k.assignments().get(s).get(b);
            Stage stage = new Stage();
            stage.setLogits(tensor(k.logits().get(s).get(b), encodings.logits(), 1));
            stage.setBoxes(tensor(k.boxes().get(s).get(b), TensorEncoding.FP32, 1));
            stage.setEmbeddings(tensor(k.embeddings().get(s).get(b), encodings.embeddings(), 1));
            stage.setAssignedQueries(boxed(a.rows()));
            stage.setAssignedTargets(boxed(a.cols()));
            List<NDArray> masks = k.featureMasks().get(s);
            stage.setFeatureMask(tensor(masks.get(0).get(b), encodings.masks(), 0));
            List<Tensor> moreMasks = new ArrayList<>();
            for (int l = 1; l < masks.size(); l++) {
                moreMasks.add(tensor(masks.get(l).get(b), encodings.masks(), 0));
            }
            stage.setMoreFeatureMasks(moreMasks);
            stages.add(stage);
        }
        ViewParams v = view.params();
        if (v.verticalFlip()) {
            // The View record has no vertical flip: a student would render a different view than the teacher saw.
            throw new IllegalArgumentException("image " + entry.id() + ": teacher records describe horizontal "
                    + "flips only, and this view is flipped vertically");
        }
        View viewRecord = new View(v.flip(), v.scaledSize(), v.offsetX(), v.offsetY(), v.outputSize());
        ImageRef image = new ImageRef(
                entry.width(),
                entry.height(),
                ByteBuffer.wrap(imageBytes),
                entry.file().toUri().toString(),
                sha256);
        float[] gt = view.target().boxes();
        GroundTruth truth = new GroundTruth(
                TensorCodec.encode(gt, new int[] {gt.length / 4, 4}, TensorEncoding.FP32),
                boxed(view.target().labels()));
        TeacherRecord r = new TeacherRecord();
        r.setDatasetId(datasetId);
        r.setImageId(entry.id());
        r.setViewId(viewId);
        r.setView(viewRecord);
        r.setImage(image);
        r.setGroundTruth(truth);
        r.setStages(stages);
        r.setFeatures(tensor(k.features().get(0).get(b), encodings.features(), 0));
        List<Tensor> moreLevels = new ArrayList<>();
        for (int l = 1; l < k.numFeatureLevels(); l++) {
            moreLevels.add(tensor(k.features().get(l).get(b), encodings.features(), 0));
        }
        r.setMoreFeatureLevels(moreLevels);
        r.setTeacherId(teacherId);
        r.setTeacherVersion(teacherVersion);
        r.setProducedAtMs(System.currentTimeMillis());
        return r;
    }

    public static Tensor tensor(NDArray a, TensorEncoding e, int scaleAxis) {
        int[] shape =
                Arrays.stream(a.getShape().getShape()).mapToInt(x -> (int) x).toArray();
        return TensorCodec.encode(a.toFloatArray(), shape, e, scaleAxis);
    }

    static List<Integer> boxed(int[] v) {
        List<Integer> out = new ArrayList<>(v.length);
        for (int x : v) {
            out.add(x);
        }
        return out;
    }
}
