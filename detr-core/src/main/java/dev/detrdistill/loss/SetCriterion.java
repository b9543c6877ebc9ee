package dev.detrdistill.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.detrdistill.box.BoxOps;
import dev.detrdistill.box.Scalars;
import dev.detrdistill.data.DetectionTarget;
import dev.detrdistill.matching.Assignment;
import dev.detrdistill.model.DecoderOutput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DETR's set loss at every decoder stage: Hungarian matching, then sigmoid focal loss over all
 * (query, class) pairs, L1 and GIoU over matched pairs, each normalised by the number of GT boxes.
 * One method per term, as in DETR's {@code SetCriterion}.
 */
public final class SetCriterion {
    private final LossWeights weights;
    private final HungarianMatcher assigner;

    public SetCriterion(LossWeights weights) {
        this.weights = weights;
        this.assigner = new HungarianMatcher(weights);
    }

    public LossWeights weights() {
        return weights;
    }

    /** Matches each image's predictions of one stage: logits {@code (B,N,C)}, boxes {@code (B,N,4)}. */
    public List<Assignment> match(NDArray logits, NDArray boxes, List<DetectionTarget> targets) {
        Shape s = logits.getShape();
        int b = (int) s.get(0);
        int n = (int) s.get(1);
        int c = (int) s.get(2);
        float[] l = logits.toFloatArray();
        float[] bx = boxes.toFloatArray();
        List<Assignment> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            float[] li = java.util.Arrays.copyOfRange(l, i * n * c, (i + 1) * n * c);
            float[] bi = java.util.Arrays.copyOfRange(bx, i * n * 4, (i + 1) * n * 4);
            out.add(assigner.assign(li, bi, n, c, targets.get(i)));
        }
        return out;
    }

    /**
     * The weighted loss summed over all stages, with each weighted term summed over stages for logging.
     * Keys: {@code loss_focal}, {@code loss_l1}, {@code loss_giou}, {@code loss}.
     */
    public Map<String, NDArray> compute(DecoderOutput out, List<DetectionTarget> targets) {
        float numBoxes =
                Math.max(1f, targets.stream().mapToInt(DetectionTarget::size).sum());
        Map<String, NDArray> total = new LinkedHashMap<>();
        for (int k = 0; k < out.numStages(); k++) {
            List<Assignment> matches = match(out.logits().get(k), out.boxes().get(k), targets);
            accumulate(total, stageLoss(out.logits().get(k), out.boxes().get(k), targets, matches, numBoxes));
        }
        return total;
    }

    /** The weighted terms of one stage under a given assignment (used also with the teacher's assignment). */
    public Map<String, NDArray> stageLoss(
            NDArray logits, NDArray boxes, List<DetectionTarget> targets, List<Assignment> matches, float numBoxes) {
        Map<String, NDArray> terms = new LinkedHashMap<>();
        NDArray focal = Scalars.mul(lossFocal(logits, targets, matches, numBoxes), weights.focal());
        NDArray[] box = lossBoxes(boxes, targets, matches, numBoxes);
        NDArray l1 = Scalars.mul(box[0], weights.l1());
        NDArray giou = Scalars.mul(box[1], weights.giou());
        terms.put("loss_focal", focal);
        terms.put("loss_l1", l1);
        terms.put("loss_giou", giou);
        terms.put("loss", focal.add(l1).add(giou));
        return terms;
    }

    static void accumulate(Map<String, NDArray> total, Map<String, NDArray> stage) {
        stage.forEach((k, v) -> total.merge(k, v, NDArray::add));
    }

    /** Sigmoid focal loss over all {@code (B,N,C)} entries, one-hot targets from the matches. */
    NDArray lossFocal(NDArray logits, List<DetectionTarget> targets, List<Assignment> matches, float numBoxes) {
        Shape s = logits.getShape();
        int n = (int) s.get(1);
        int c = (int) s.get(2);
        float[] onehot = new float[(int) s.size()];
        for (int i = 0; i < matches.size(); i++) {
            Assignment a = matches.get(i);
            for (int k = 0; k < a.size(); k++) {
                onehot[(i * n + a.rows()[k]) * c + targets.get(i).labels()[a.cols()[k]]] = 1f;
            }
        }
        NDArray t = logits.getManager().create(onehot, s);
        return Scalars.div(
                sigmoidFocal(logits, t, weights.focalAlpha(), weights.focalGamma())
                        .sum(),
                numBoxes);
    }

    /** Elementwise sigmoid focal loss (Lin et al.) of logits against {0,1} targets, same shape as inputs. */
    public static NDArray sigmoidFocal(NDArray logits, NDArray targets, float alpha, float gamma) {
        NDArray p = ai.djl.nn.Activation.sigmoid(logits);
        NDArray ce = ElementwiseLosses.bceWithLogits(logits, targets);
        NDArray pt = p.mul(targets).add(Scalars.rsub(1f, p).mul(Scalars.rsub(1f, targets)));
        NDArray loss = ce.mul(Scalars.pow(Scalars.rsub(1f, pt), gamma));
        NDArray at = Scalars.add(Scalars.mul(targets, 2 * alpha - 1), 1 - alpha); // alpha*t + (1-alpha)*(1-t)
        return loss.mul(at);
    }

    /** Unweighted {L1, 1 - GIoU} sums over matched pairs divided by numBoxes. */
    NDArray[] lossBoxes(NDArray boxes, List<DetectionTarget> targets, List<Assignment> matches, float numBoxes) {
        Shape s = boxes.getShape();
        int n = (int) s.get(1);
        int total = matches.stream().mapToInt(Assignment::size).sum();
        NDManager manager = boxes.getManager();
        if (total == 0) {
            NDArray zero = boxes.sum().mul(manager.create(0f)); // keeps the graph connected
            return new NDArray[] {zero, zero};
        }
        long[] index = new long[total];
        float[] tgt = new float[total * 4];
        int p = 0;
        for (int i = 0; i < matches.size(); i++) {
            Assignment a = matches.get(i);
            float[] tb = targets.get(i).boxes();
            for (int k = 0; k < a.size(); k++) {
                index[p] = (long) i * n + a.rows()[k];
                System.arraycopy(tb, 4 * a.cols()[k], tgt, 4 * p, 4);
                p++;
            }
        }
        NDArray pred = boxes.reshape(-1, 4).get(manager.create(index));
        NDArray gt = manager.create(tgt, new Shape(total, 4));
        NDArray l1 = Scalars.div(pred.sub(gt).abs().sum(), numBoxes);
        NDArray giou = BoxOps.elementwiseGiou(BoxOps.cxcywhToXyxy(pred), BoxOps.cxcywhToXyxy(gt));
        NDArray lgiou = Scalars.div(Scalars.rsub(1f, giou).sum(), numBoxes);
        return new NDArray[] {l1, lgiou};
    }
}
