package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.detrdistill.data.Batches;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.model.DetrOutput;
import dev.detrdistill.train.DetectorTrainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The DETRDistill loss on top of the student's DETR loss: composes the enabled terms, owns the adapters,
 * and gets each step's teacher knowledge from a {@link TeacherSource} (in process or from records).
 * The same code serves both.
 */
public final class Distiller implements DetectorTrainer.ExtraLoss {
    private final TeacherSource teacher;
    private final List<DistillationTerm> terms = new ArrayList<>();
    private final StageMapping mapping;
    private final DistillationAdapters adapters;
    private final InstanceMatcher matcher = new InstanceMatcher(5f, 2f);
    private final boolean assignmentGroup;
    private TeacherKnowledge current;

    public Distiller(DetrModel student, TeacherSource teacher, DistillationSettings settings, NDManager manager) {
        settings.validate();
        this.teacher = teacher;
        int ks = student.config().decoderLayers();
        mapping = settings.mapping(ks, teacher.numStages());
        adapters = new DistillationAdapters(
                        student.config().hiddenDim(),
                        teacher.featureWidth(),
                        student.config().queryPriorWidth(),
                        teacher.queryPriorWidth(),
                        settings.contrastive() > 0 ? ContrastiveHead.WIDTH : 0)
                .initializeParameters(manager);
        if (settings.instance() > 0) {
            terms.add(new InstanceDistillation(settings.instance(), settings.classDistance()));
        }
        if (settings.contrastive() > 0) {
            terms.add(new ContrastiveDistillation(settings.contrastive()));
        }
        if (settings.relation() > 0) {
            terms.add(new QueryRelationDistillation(settings.relation()));
        }
        if (settings.feature() > 0) {
            terms.add(new FeatureDistillation(settings.feature()));
        }
        if (settings.assignment() > 0) {
            terms.add(new AssignmentDistillation(settings.assignment(), new SetCriterion(LossWeights.defaults())));
        }
        assignmentGroup = settings.assignment() > 0;
    }

    public StageMapping mapping() {
        return mapping;
    }

    public List<DistillationTerm> terms() {
        return List.copyOf(terms);
    }

    @Override
    public Block adapters() {
        return adapters;
    }

    @Override
    public NDArray extraQueries(ParameterStore ps, NDArray images, List<ImageView> views) {
        current = teacher.knowledge(images, views);
        if (current.numStages() != teacher.numStages()) {
            throw new IllegalStateException(
                    "teacher knowledge has " + current.numStages() + " stages, expected " + teacher.numStages());
        }
        return assignmentGroup
                ? adapters.projectPrior(
                        ps, current.queryPrior(), images.getShape().get(0), true)
                : null;
    }

    @Override
    public Map<String, NDArray> compute(
            DetrModel model, ParameterStore ps, NDArray images, List<ImageView> views, DetrOutput out) {
        DistillationContext ctx =
                new DistillationContext(ps, out, current, Batches.targets(views), mapping, adapters, matcher);
        Map<String, NDArray> values = new LinkedHashMap<>();
        for (DistillationTerm term : terms) {
            values.put(term.name(), term.compute(ctx));
        }
        current = null;
        return values;
    }
}
