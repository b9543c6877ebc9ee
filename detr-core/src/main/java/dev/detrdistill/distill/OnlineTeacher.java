package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.detrdistill.data.Batches;
import dev.detrdistill.data.DetectionTarget;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.matching.Assignment;
import dev.detrdistill.model.DecoderOutput;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.model.DetrOutput;
import java.util.ArrayList;
import java.util.List;

/**
 * A teacher run in this process on the student's own batch (the reference the streamed trainer is
 * compared against). Its parameters are frozen and its outputs are constants; it computes exactly what
 * the teacher producer publishes: per-stage predictions, its Hungarian assignment to the ground truth
 * and the feature-distillation masks.
 */
public final class OnlineTeacher implements TeacherSource {
    private final DetrModel teacher;
    private final SetCriterion criterion;
    private final FeatureMask.Kind maskKind;

    public OnlineTeacher(DetrModel teacher, SetCriterion criterion) {
        this(teacher, criterion, FeatureMask.Kind.COSINE);
    }

    public OnlineTeacher(DetrModel teacher, SetCriterion criterion, FeatureMask.Kind maskKind) {
        this.teacher = teacher;
        this.criterion = criterion;
        this.maskKind = maskKind;
        for (Pair<String, Parameter> p : teacher.getParameters()) {
            p.getValue().getArray().setRequiresGradient(false);
        }
    }

    public DetrModel model() {
        return teacher;
    }

    @Override
    public TeacherKnowledge knowledge(NDArray images, List<ImageView> views) {
        int size = teacher.config().imageSize();
        NDArray input = images;
        if (images.getShape().get(2) != size) {
            throw new IllegalArgumentException("online teacher takes " + size + "px input but the student batch is "
                    + images.getShape().get(2) + "px; give both the same imageSize");
        }
        NDManager manager = images.getManager();
        DetrOutput out = teacher.detect(new ParameterStore(manager, false), input, false);
        return fromOutput(out, Batches.targets(views), criterion, maskKind);
    }

    /** Knowledge from any teacher forward pass: detaches everything, matches to GT, computes the masks. */
    public static TeacherKnowledge fromOutput(
            DetrOutput out, List<DetectionTarget> targets, SetCriterion criterion, FeatureMask.Kind maskKind) {
        DecoderOutput q = out.queries();
        List<NDArray> logits = q.logits().stream().map(NDArray::stopGradient).toList();
        List<NDArray> boxes = q.boxes().stream().map(NDArray::stopGradient).toList();
        List<NDArray> emb = q.embeddings().stream().map(NDArray::stopGradient).toList();
        List<NDArray> features =
                out.features().stream().map(NDArray::stopGradient).toList();
        List<List<Assignment>> assignments = new ArrayList<>();
        List<List<NDArray>> masks = new ArrayList<>();
        for (int k = 0; k < logits.size(); k++) {
            assignments.add(criterion.match(logits.get(k), boxes.get(k), targets));
            List<NDArray> levels = new ArrayList<>();
            for (NDArray level : features) {
                levels.add(FeatureMask.compute(logits.get(k), boxes.get(k), emb.get(k), level, targets, maskKind));
            }
            masks.add(levels);
        }
        return new TeacherKnowledge(
                logits,
                boxes,
                emb,
                assignments,
                features,
                masks,
                out.queryPrior().stopGradient());
    }

    @Override
    public int numStages() {
        return teacher.config().decoderLayers();
    }

    @Override
    public int featureWidth() {
        return teacher.config().hiddenDim();
    }

    @Override
    public int queryPriorWidth() {
        return teacher.config().queryPriorWidth();
    }
}
