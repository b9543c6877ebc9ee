package dev.detrdistill.model.tfjs;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the binary weight shards a TensorFlow.js {@code weightsManifest} names. Weights lie back to back in
 * manifest order, little-endian; quantised ones are float16 or affine uint8/uint16 and come back as float32.
 */
final class TfjsWeights {
    private TfjsWeights() {}

    static Map<String, TfjsTensor> read(Path modelDir, JsonNode manifest) {
        Map<String, TfjsTensor> tensors = new LinkedHashMap<>();
        for (JsonNode group : manifest) {
            ByteBuffer bytes =
                    ByteBuffer.wrap(concat(modelDir, group.path("paths"))).order(ByteOrder.LITTLE_ENDIAN);
            for (JsonNode w : group.path("weights")) {
                TfjsTensor t = readOne(w, bytes);
                tensors.put(t.name(), t);
            }
            if (bytes.hasRemaining()) {
                throw new TfjsFormatException("weights " + group.path("paths") + ": " + bytes.remaining()
                        + " bytes left after the last declared weight; the manifest does not match the file");
            }
        }
        return tensors;
    }

    private static byte[] concat(Path modelDir, JsonNode paths) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (JsonNode p : paths) {
            Path file = modelDir.resolve(p.asText());
            try {
                all.write(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new TfjsFormatException("weights shard " + file + " cannot be read: " + e.getMessage(), e);
            }
        }
        return all.toByteArray();
    }

    private static TfjsTensor readOne(JsonNode w, ByteBuffer bytes) {
        String name = w.path("name").asText();
        long[] dims = new long[w.path("shape").size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = w.path("shape").get(i).asLong();
        }
        Shape shape = new Shape(dims);
        int count = Math.toIntExact(shape.size());
        String dtype = w.path("dtype").asText();
        JsonNode q = w.path("quantization");
        String stored = q.isMissingNode() ? dtype : q.path("dtype").asText();
        int width =
                switch (stored) {
                    case "float32", "int32" -> 4;
                    case "float16", "uint16" -> 2;
                    case "uint8" -> 1;
                    default ->
                        throw new TfjsFormatException("weight " + name + ": stored type " + stored
                                + " is not supported (float32, int32, float16, uint8," + " uint16 are)");
                };
        if ((long) count * width > bytes.remaining()) {
            throw new TfjsFormatException("weight " + name + " " + shape + " needs " + (long) count * width
                    + " bytes, the weights file has " + bytes.remaining() + " left: truncated or not this model's");
        }
        if (dtype.equals("int32")) {
            if (!stored.equals("int32")) {
                throw new TfjsFormatException("weight " + name + ": quantised int32 (" + stored + ") is not supported");
            }
            int[] ints = new int[count];
            bytes.asIntBuffer().get(ints);
            bytes.position(bytes.position() + 4 * count);
            return new TfjsTensor(name, shape, null, ints);
        }
        if (!dtype.equals("float32")) {
            throw new TfjsFormatException(
                    "weight " + name + ": dtype " + dtype + " is not supported (float32, int32 are)");
        }
        float[] floats = new float[count];
        double scale = q.path("scale").asDouble(1);
        double min = q.path("min").asDouble(0);
        for (int i = 0; i < count; i++) {
            floats[i] = switch (stored) {
                case "float32" -> bytes.getFloat();
                case "float16" -> Float16.toFloat(bytes.getShort());
                case "uint16" -> (float) ((bytes.getShort() & 0xffff) * scale + min);
                default -> (float) ((bytes.get() & 0xff) * scale + min);
            };
        }
        return new TfjsTensor(name, shape, floats, null);
    }
}
