package dev.detrdistill.app;

import ai.djl.ndarray.NDManager;
import dev.detrdistill.cli.DataOptions;
import dev.detrdistill.cli.DeviceOption;
import dev.detrdistill.data.CocoReader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.eval.ClassWiseNms;
import dev.detrdistill.eval.CocoEvaluator;
import dev.detrdistill.eval.CocoMetrics;
import dev.detrdistill.eval.CocoResults;
import dev.detrdistill.eval.Detection;
import dev.detrdistill.eval.DetectorEvaluator;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.train.Checkpoint;
import dev.detrdistill.train.CheckpointMeta;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "COCO box evaluation (AP@[.50:.95], AP50, AP75, APs/m/l, AR@1/10/100).",
            "Either --gt <coco.json> --detections <results.json>, or --model <checkpoint> [--data <dataset>]."
        })
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--gt", paramLabel = "<coco.json>", description = "COCO ground truth (instances format).")
    Path gt;

    @Option(
            names = "--detections",
            paramLabel = "<results.json>",
            description = "Detections in the COCO results format.")
    Path detections;

    @Option(names = "--model", paramLabel = "<checkpoint>", description = "A checkpoint folder written by train.")
    Path model;

    @Mixin
    DataOptions data;

    @Option(
            names = "--split",
            defaultValue = "val",
            description = "Split to evaluate with --model. Default: ${DEFAULT-VALUE}")
    String split;

    @Option(names = "--batch", defaultValue = "8", description = "Inference batch size. Default: ${DEFAULT-VALUE}")
    int batch;

    @Option(
            names = "--write-detections",
            paramLabel = "<results.json>",
            description = "With --model: also write the detections in COCO results format.")
    Path writeDetections;

    @Option(
            names = "--nms",
            paramLabel = "<iou>",
            description = "Class-wise non-maximum suppression at this IoU before scoring, e.g. 0.7 (off by default: "
                    + "DETR's own post-processing keeps every query's top classes).")
    Double nms;

    @picocli.CommandLine.Mixin
    DeviceOption device;

    @Override
    public Integer call() throws Exception {
        device.apply();
        // Built first: a bad threshold is refused before any inference runs.
        ClassWiseNms suppression = nms == null ? null : new ClassWiseNms(nms);
        CocoMetrics m;
        if (gt != null || detections != null) {
            if (gt == null || detections == null || model != null) {
                throw new IllegalArgumentException("use --gt and --detections together, or --model alone");
            }
            DetectionDataset truth = CocoReader.read(gt, gt.getParent());
            m = new CocoEvaluator(truth.images(), truth.classNames())
                    .evaluate(suppressed(suppression, CocoResults.read(truth, detections)));
        } else if (model != null) {
            CheckpointMeta meta = Checkpoint.readMeta(model);
            DetectionDataset ds = data.load(split);
            if (!ds.classNames().equals(meta.classNames())) {
                throw new IllegalArgumentException(
                        "checkpoint classes " + meta.classNames() + " differ from dataset classes " + ds.classNames());
            }
            try (NDManager manager = dev.detrdistill.model.Devices.newManager()) {
                DetrModel detector = Checkpoint.loadModel(model, manager);
                ImageCache cache = new ImageCache(2 * meta.config().imageSize());
                List<Detection> dets = suppressed(
                        suppression, DetectorEvaluator.predict(detector, ds, cache, manager, batch, System.err));
                if (writeDetections != null) {
                    CocoResults.write(ds, dets, writeDetections);
                }
                m = new CocoEvaluator(ds.images(), ds.classNames()).evaluate(dets);
            }
            System.out.println("evaluated " + model + " (step " + meta.step() + ") on " + ds.name() + ", "
                    + ds.images().size() + " images" + (nms == null ? "" : ", class-wise NMS at IoU " + nms));
        } else {
            throw new IllegalArgumentException("nothing to evaluate: give --gt and --detections, or --model");
        }
        System.out.print(m.summary());
        System.out.print(m.perClassSummary());
        return 0;
    }

    private static List<Detection> suppressed(ClassWiseNms suppression, List<Detection> dets) {
        return suppression == null ? dets : suppression.apply(dets);
    }
}
