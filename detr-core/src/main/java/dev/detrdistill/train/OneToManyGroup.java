package dev.detrdistill.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.detrdistill.data.Batches;
import dev.detrdistill.data.DetectionTarget;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.model.DetrOutput;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hybrid matching (H-DETR): an auxiliary group of queries, run through the same decoder but invisible to the
 * model's own queries, is matched one-to-many, each ground-truth box repeated {@code k} times. Many more queries
 * get a positive target per step, which speeds up DETR's slow convergence on small data; the group is used in
 * training only (inference and the published records see the model's own queries).
 */
public final class OneToManyGroup implements DetectorTrainer.ExtraLoss {
    private final SetCriterion criterion;
    private final int repeats;
    private final float weight;
    private final PriorBlock prior;

    /**
     * @param model the detector whose decoder runs the group
     * @param queries the group's size M (at least {@code repeats} x the most boxes an image has, or some go unmatched)
     * @param repeats k, how many queries each box is matched to
     */
    public OneToManyGroup(
            DetrModel model, SetCriterion criterion, int queries, int repeats, float weight, NDManager m) {
        if (queries < 1 || repeats < 1 || !(weight > 0)) {
            throw new IllegalArgumentException("one-to-many group: queries=" + queries + ", repeats=" + repeats
                    + ", weight=" + weight + "; expected all positive");
        }
        this.criterion = criterion;
        this.repeats = repeats;
        this.weight = weight;
        this.prior = new PriorBlock(
                queries,
                model.config().queryPriorWidth(),
                model.config().decoder().usesAnchors());
        prior.initialize(m, DataType.FLOAT32, new Shape(1));
    }

    @Override
    public NDArray extraQueries(ParameterStore ps, NDArray images, List<ImageView> views) {
        NDArray p = ps.getValue(prior.prior, images.getDevice(), true);
        long b = images.getShape().get(0);
        return p.expandDims(0).broadcast(b, p.getShape().get(0), p.getShape().get(1));
    }

    @Override
    public Map<String, NDArray> compute(
            DetrModel model, ParameterStore ps, NDArray images, List<ImageView> views, DetrOutput out) {
        List<DetectionTarget> repeated =
                Batches.targets(views).stream().map(this::repeat).toList();
        NDArray loss = criterion
                .compute(out.extraGroup().orElseThrow(), repeated)
                .get("loss")
                .mul(weight);
        Map<String, NDArray> terms = new LinkedHashMap<>();
        terms.put("loss_one_to_many", loss);
        return terms;
    }

    private DetectionTarget repeat(DetectionTarget t) {
        float[] boxes = new float[t.boxes().length * repeats];
        int[] labels = new int[t.labels().length * repeats];
        for (int r = 0; r < repeats; r++) {
            System.arraycopy(t.boxes(), 0, boxes, r * t.boxes().length, t.boxes().length);
            System.arraycopy(t.labels(), 0, labels, r * t.labels().length, t.labels().length);
        }
        return new DetectionTarget(boxes, labels);
    }

    @Override
    public ai.djl.nn.Block adapters() {
        return prior;
    }

    /** The group's own query prior (anchor boxes in logit space for the anchor decoders), trained with the model. */
    private static final class PriorBlock extends AbstractBlock {
        private final Parameter prior;

        PriorBlock(int queries, int width, boolean anchors) {
            prior = addParameter(Parameter.builder()
                    .setName("one_to_many_prior")
                    .setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(queries, width))
                    .optInitializer(
                            anchors
                                    ? DetrModel.anchorInitializer()
                                    : new ai.djl.training.initializer.XavierInitializer())
                    .build());
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            return new NDList(ps.getValue(prior, inputs.head().getDevice(), training));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {prior.getArray().getShape()};
        }
    }
}
