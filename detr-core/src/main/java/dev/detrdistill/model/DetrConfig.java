package dev.detrdistill.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * Architecture of one DETR-family detector. Every field is validated by {@link #validate()}, which names
 * the offending key.
 *
 * @param backboneWidths channels of each backbone stage; each stage halves the resolution
 * @param blocksPerStage residual basic blocks after each stage's strided conv (0 = a plain conv stem,
 *     1 or more = a ResNet-style trunk)
 * @param hiddenDim transformer width d
 * @param numHeads attention heads (divides hiddenDim)
 * @param ffnDim feed-forward width in encoder and decoder layers
 * @param encoderLayers transformer encoder layers (0 allowed)
 * @param decoderLayers decoder stages K, each with class and box heads
 * @param numQueries object queries N
 * @param numClasses foreground classes C (sigmoid classification, no background class)
 * @param decoder decoder variant
 * @param imageSize square input side in pixels (a multiple of the backbone stride)
 * @param pretrained a backbone trained elsewhere instead of the built-in trunk (then {@code backboneWidths} and
 *     {@code blocksPerStage} are left out); null for the built-in trunk
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record DetrConfig(
        List<Integer> backboneWidths,
        int blocksPerStage,
        int hiddenDim,
        int numHeads,
        int ffnDim,
        int encoderLayers,
        int decoderLayers,
        int numQueries,
        int numClasses,
        DecoderType decoder,
        int imageSize,
        PretrainedBackbone pretrained) {

    public DetrConfig {
        backboneWidths = backboneWidths == null ? List.of() : List.copyOf(backboneWidths);
    }

    /** A config with the built-in trunk. */
    public DetrConfig(
            List<Integer> backboneWidths,
            int blocksPerStage,
            int hiddenDim,
            int numHeads,
            int ffnDim,
            int encoderLayers,
            int decoderLayers,
            int numQueries,
            int numClasses,
            DecoderType decoder,
            int imageSize) {
        this(
                backboneWidths,
                blocksPerStage,
                hiddenDim,
                numHeads,
                ffnDim,
                encoderLayers,
                decoderLayers,
                numQueries,
                numClasses,
                decoder,
                imageSize,
                null);
    }

    /** A builder with named fields, for code (YAML and the presets read the record directly). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
        return new Builder()
                .backboneWidths(backboneWidths)
                .blocksPerStage(blocksPerStage)
                .hiddenDim(hiddenDim)
                .numHeads(numHeads)
                .ffnDim(ffnDim)
                .encoderLayers(encoderLayers)
                .decoderLayers(decoderLayers)
                .numQueries(numQueries)
                .numClasses(numClasses)
                .decoder(decoder)
                .imageSize(imageSize)
                .pretrained(pretrained);
    }

    /** Named fields instead of eleven positional numbers; {@link #build()} validates. */
    public static final class Builder {
        private List<Integer> backboneWidths = List.of(16, 32, 64, 128);
        private int blocksPerStage = 0;
        private int hiddenDim = 64;
        private int numHeads = 4;
        private int ffnDim = 256;
        private int encoderLayers = 1;
        private int decoderLayers = 2;
        private int numQueries = 40;
        private int numClasses = 0;
        private DecoderType decoder = DecoderType.DAB;
        private int imageSize = 128;
        private PretrainedBackbone pretrained;

        public Builder pretrained(PretrainedBackbone v) {
            this.pretrained = v;
            if (v != null) {
                this.backboneWidths = List.of();
            }
            return this;
        }

        public Builder backboneWidths(List<Integer> v) {
            this.backboneWidths = v;
            return this;
        }

        public Builder blocksPerStage(int v) {
            this.blocksPerStage = v;
            return this;
        }

        public Builder hiddenDim(int v) {
            this.hiddenDim = v;
            return this;
        }

        public Builder numHeads(int v) {
            this.numHeads = v;
            return this;
        }

        public Builder ffnDim(int v) {
            this.ffnDim = v;
            return this;
        }

        public Builder encoderLayers(int v) {
            this.encoderLayers = v;
            return this;
        }

        public Builder decoderLayers(int v) {
            this.decoderLayers = v;
            return this;
        }

        public Builder numQueries(int v) {
            this.numQueries = v;
            return this;
        }

        public Builder numClasses(int v) {
            this.numClasses = v;
            return this;
        }

        public Builder decoder(DecoderType v) {
            this.decoder = v;
            return this;
        }

        public Builder imageSize(int v) {
            this.imageSize = v;
            return this;
        }

        /** The config, validated unless {@code numClasses} is 0 (a student whose classes come from its teacher). */
        public DetrConfig build() {
            DetrConfig c = new DetrConfig(
                    backboneWidths,
                    blocksPerStage,
                    hiddenDim,
                    numHeads,
                    ffnDim,
                    encoderLayers,
                    decoderLayers,
                    numQueries,
                    numClasses,
                    decoder,
                    imageSize,
                    pretrained);
            return numClasses == 0 ? c : c.validate();
        }
    }

    /** Total backbone stride: the feature map is {@code imageSize / stride} on each side. */
    public int stride() {
        return pretrained != null ? pretrained.finestStride() : 1 << backboneWidths.size();
    }

    public int featureSize() {
        return imageSize / stride();
    }

    /** Width of one query prior row: d for the plain decoder's embeddings, 4 for anchor boxes. */
    public int queryPriorWidth() {
        return decoder.usesAnchors() ? 4 : hiddenDim;
    }

    /** Throws {@link IllegalArgumentException} naming the first out-of-range key. */
    public DetrConfig validate() {
        if (pretrained != null) {
            pretrained.validate();
            if (!backboneWidths.isEmpty() || blocksPerStage != 0) {
                throw bad("backboneWidths", backboneWidths, "left out when pretrained is set (with blocksPerStage)");
            }
            if (imageSize % pretrained.coarsestStride() != 0 || imageSize % 32 != 0) {
                throw bad("imageSize", imageSize, "a multiple of 32 and of the coarsest pretrained stride");
            }
        } else if (backboneWidths.isEmpty() || backboneWidths.size() > 6) {
            throw bad("backboneWidths", backboneWidths, "1 to 6 stages");
        }
        for (int w : backboneWidths) {
            if (w < 1 || w > 4096) {
                throw bad("backboneWidths", backboneWidths, "each width in [1, 4096]");
            }
        }
        range("blocksPerStage", blocksPerStage, 0, 16);
        range("hiddenDim", hiddenDim, 8, 4096);
        range("numHeads", numHeads, 1, 64);
        if (hiddenDim % numHeads != 0) {
            throw bad("numHeads", numHeads, "a divisor of hiddenDim=" + hiddenDim);
        }
        if (hiddenDim % 8 != 0) {
            throw bad("hiddenDim", hiddenDim, "a multiple of 8 (sine positional encodings)");
        }
        range("ffnDim", ffnDim, 1, 16384);
        range("encoderLayers", encoderLayers, 0, 24);
        range("decoderLayers", decoderLayers, 1, 24);
        range("numQueries", numQueries, 1, 2000);
        range("numClasses", numClasses, 1, 10000);
        if (decoder == null) {
            throw bad("decoder", null, "PLAIN or ANCHOR");
        }
        range("imageSize", imageSize, 16, 4096);
        if (imageSize % stride() != 0) {
            throw bad("imageSize", imageSize, "a multiple of the backbone stride " + stride());
        }
        return this;
    }

    private static void range(String key, int value, int lo, int hi) {
        if (value < lo || value > hi) {
            throw bad(key, value, "in [" + lo + ", " + hi + "]");
        }
    }

    private static IllegalArgumentException bad(String key, Object value, String expected) {
        return new IllegalArgumentException(
                "detector config: " + key + "=" + value + " is out of range; expected " + expected);
    }

    /** A small, fast detector for tests and the synthetic default data. */
    public static DetrConfig tiny(int numClasses, int imageSize) {
        return new DetrConfig(List.of(16, 32, 48, 64), 0, 64, 4, 128, 1, 3, 20, numClasses, DecoderType.DAB, imageSize);
    }

    public DetrConfig withNumClasses(int c) {
        return new DetrConfig(
                backboneWidths,
                blocksPerStage,
                hiddenDim,
                numHeads,
                ffnDim,
                encoderLayers,
                decoderLayers,
                numQueries,
                c,
                decoder,
                imageSize,
                pretrained);
    }

    public DetrConfig withImageSize(int size) {
        return new DetrConfig(
                backboneWidths,
                blocksPerStage,
                hiddenDim,
                numHeads,
                ffnDim,
                encoderLayers,
                decoderLayers,
                numQueries,
                numClasses,
                decoder,
                size,
                pretrained);
    }

    public DetrConfig withDecoder(DecoderType type) {
        return new DetrConfig(
                backboneWidths,
                blocksPerStage,
                hiddenDim,
                numHeads,
                ffnDim,
                encoderLayers,
                decoderLayers,
                numQueries,
                numClasses,
                type,
                imageSize,
                pretrained);
    }
}
