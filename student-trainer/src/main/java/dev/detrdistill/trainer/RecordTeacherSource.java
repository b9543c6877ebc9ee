package dev.detrdistill.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.distill.TeacherKnowledge;
import dev.detrdistill.distill.TeacherSource;
import dev.detrdistill.matching.Assignment;
import dev.detrdistill.records.Stage;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.Tensor;
import dev.detrdistill.records.TensorCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * Teacher knowledge decoded from records instead of computed by a teacher in process: the streamed
 * counterpart of {@code OnlineTeacher}. The trainer hands it each batch's records before the step.
 */
public final class RecordTeacherSource implements TeacherSource {

    private final TeacherCard card;
    private final float[] queryPrior;
    private final int[] priorShape;
    private List<TeacherRecord> batch = List.of();
    private long decodeNanos;

    public RecordTeacherSource(TeacherCard card) {
        this.card = card;
        this.queryPrior = TensorCodec.decode(card.getQueryPrior());
        this.priorShape = TensorCodec.shape(card.getQueryPrior());
    }

    /** The records of the next step, in the order of its views. */
    public void setBatch(List<TeacherRecord> records) {
        this.batch = List.copyOf(records);
    }

    @Override
    public TeacherKnowledge knowledge(NDArray images, List<ImageView> views) {
        if (batch.size() != views.size()) {
            throw new IllegalStateException(
                    "batch has " + views.size() + " views but " + batch.size() + " teacher records");
        }
        long t0 = System.nanoTime();
        NDManager m = images.getManager();
        int stages = numStages();
        List<NDArray> logits = new ArrayList<>();
        List<NDArray> boxes = new ArrayList<>();
        List<NDArray> embeddings = new ArrayList<>();
        List<List<NDArray>> masks = new ArrayList<>();
        int levels = 1 + batch.get(0).getMoreFeatureLevels().size();
        List<List<Assignment>> assignments = new ArrayList<>();
        for (int s = 0; s < stages; s++) {
            final int stage = s;
            logits.add(stack(m, "logits" + s, r -> r.getStages().get(stage).getLogits()));
            boxes.add(stack(m, "boxes" + s, r -> r.getStages().get(stage).getBoxes()));
            embeddings.add(
                    stack(m, "embeddings" + s, r -> r.getStages().get(stage).getEmbeddings()));
            List<NDArray> stageMasks = new ArrayList<>();
            stageMasks.add(
                    stack(m, "mask" + s + ".0", r -> r.getStages().get(stage).getFeatureMask()));
            for (int l = 1; l < levels; l++) {
                final int level = l - 1;
                stageMasks.add(stack(
                        m,
                        "mask" + s + "." + l,
                        r -> r.getStages().get(stage).getMoreFeatureMasks().get(level)));
            }
            masks.add(stageMasks);
            List<Assignment> perImage = new ArrayList<>();
            for (TeacherRecord r : batch) {
                Stage st = r.getStages().get(stage);
                perImage.add(new Assignment(ints(st.getAssignedQueries()), ints(st.getAssignedTargets()), 0));
            }
            assignments.add(perImage);
        }
        List<NDArray> features = new ArrayList<>();
        features.add(stack(m, "features.0", TeacherRecord::getFeatures));
        for (int l = 1; l < levels; l++) {
            final int level = l - 1;
            features.add(stack(m, "features." + l, r -> r.getMoreFeatureLevels().get(level)));
        }
        NDArray prior = m.create(queryPrior, new Shape(priorShape[0], priorShape[1]));
        decodeNanos += System.nanoTime() - t0;
        return new TeacherKnowledge(logits, boxes, embeddings, assignments, features, masks, prior);
    }

    /** Time spent decoding teacher tensors into arrays, in total (part of the step time). */
    public long decodeNanos() {
        return decodeNanos;
    }

    /** One field of every record in the batch as a {@code (B, ...)} array, decoded once per record for all students. */
    private NDArray stack(NDManager m, String field, java.util.function.Function<TeacherRecord, Tensor> get) {
        List<Tensor> tensors = batch.stream().map(get).toList();
        int[] shape = TensorCodec.shape(tensors.get(0));
        int per = TensorCodec.elementCount(tensors.get(0));
        float[] flat = new float[tensors.size() * per];
        for (int i = 0; i < tensors.size(); i++) {
            float[] v = DecodedTensors.get(batch.get(i), field, tensors.get(i));
            if (v.length != per) {
                throw new IllegalStateException(RecordViews.key(batch.get(i)) + " " + field + " has " + v.length
                        + " elements, the batch's first record " + per);
            }
            System.arraycopy(v, 0, flat, i * per, per);
        }
        long[] full = new long[shape.length + 1];
        full[0] = tensors.size();
        for (int d = 0; d < shape.length; d++) {
            full[d + 1] = shape[d];
        }
        return m.create(flat, new Shape(full));
    }

    private static int[] ints(List<Integer> v) {
        return v.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public int numStages() {
        return card.getNumStages();
    }

    @Override
    public int featureWidth() {
        return card.getHiddenDim();
    }

    @Override
    public int queryPriorWidth() {
        return priorShape[1];
    }
}
