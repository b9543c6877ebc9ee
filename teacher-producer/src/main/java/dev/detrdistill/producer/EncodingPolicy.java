package dev.detrdistill.producer;

import dev.detrdistill.records.TensorEncoding;
import java.util.Locale;

/**
 * The encoding of each tensor field. Boxes and ground truth stay FP32 (tiny, and box precision matters);
 * logits, embeddings, feature maps and masks take the chosen encodings.
 */
public record EncodingPolicy(
        TensorEncoding logits, TensorEncoding embeddings, TensorEncoding features, TensorEncoding masks) {
    public static EncodingPolicy uniform(TensorEncoding e) {
        return new EncodingPolicy(e, e, e, e);
    }

    /** {@code fp16}, or per field {@code logits=fp32,embeddings=fp16,features=int8,masks=int8}. */
    public static EncodingPolicy parse(String spec) {
        if (!spec.contains("=")) {
            return uniform(encoding(spec));
        }
        EncodingPolicy p = uniform(TensorEncoding.FP32);
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("--encoding part '" + part + "' is not field=encoding");
            }
            TensorEncoding e = encoding(kv[1]);
            p = switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                case "logits" -> new EncodingPolicy(e, p.embeddings, p.features, p.masks);
                case "embeddings" -> new EncodingPolicy(p.logits, e, p.features, p.masks);
                case "features" -> new EncodingPolicy(p.logits, p.embeddings, e, p.masks);
                case "masks" -> new EncodingPolicy(p.logits, p.embeddings, p.features, e);
                default ->
                    throw new IllegalArgumentException(
                            "unknown tensor field '" + kv[0] + "' (logits, embeddings, features, masks)");
            };
        }
        return p;
    }

    private static TensorEncoding encoding(String s) {
        try {
            return TensorEncoding.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown tensor encoding '" + s + "' (fp32, fp16, int8)");
        }
    }
}
