package dev.detrdistill.trainer;

import dev.detrdistill.distill.DistillationSettings;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.train.TrainOptions;

/**
 * One student of a trainer job, as its YAML file describes it (see {@link StudentSpecs} and
 * docs/configuration.md). The detector's class count and input size come from the teacher card, so
 * {@code model.numClasses} may be 0 and {@code model.imageSize} is replaced by the teacher's.
 *
 * @param name unique within a job: the key of the student's state and metrics
 * @param model the student detector
 * @param distillation term weights; {@link DistillationSettings#none()} trains a baseline from ground truth only
 * @param train optimiser, batch and schedules ({@code steps} 0: derived from the replay's size and epochs;
 *     the augmentation fields are unused, views come from the records)
 * @param eval where and how the student is evaluated; {@code data} null: never
 * @param output folder for {@code checkpoint/}, {@code metrics.jsonl} and {@code summary.json}
 */
public record StudentSpec(
        String name,
        DetrConfig model,
        DistillationSettings distillation,
        TrainOptions train,
        EvalSpec eval,
        String output) {

    /**
     * @param data dataset path (VOC, COCO or the synthetic layout), readable where the job runs
     * @param split split to evaluate on
     * @param maxImages first n images only (0 = all)
     */
    public record EvalSpec(String data, String split, int maxImages) {
        public static EvalSpec none() {
            return new EvalSpec(null, "val", 0);
        }

        public boolean enabled() {
            return data != null;
        }
    }

    public boolean distills() {
        return distillation.anyEnabled();
    }

    /** The student's detector for a teacher with these classes and input size. */
    public DetrConfig modelFor(int numClasses, int imageSize) {
        DetrConfig c = model.numClasses() == 0 ? model.withNumClasses(numClasses) : model;
        if (c.numClasses() != numClasses) {
            throw new IllegalArgumentException("student " + name + " has numClasses=" + c.numClasses()
                    + " but the teacher has " + numClasses + " classes");
        }
        return c.withImageSize(imageSize).validate();
    }
}
