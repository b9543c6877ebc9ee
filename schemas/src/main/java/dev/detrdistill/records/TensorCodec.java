package dev.detrdistill.records;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes float tensors into {@link Tensor} records and back. FP32 is exact; FP16 rounds to nearest
 * even (relative error at most 2^-11 in the normal range); INT8 is symmetric per channel with
 * {@code scale = max|x| / 127} along {@code scaleAxis} (absolute error at most scale / 2).
 */
public final class TensorCodec {
    private TensorCodec() {}

    public static Tensor encode(float[] values, int[] shape, TensorEncoding encoding) {
        return encode(values, shape, encoding, shape.length - 1);
    }

    /**
     * @param scaleAxis INT8 only: the axis that gets its own scale per index (e.g. the channel axis)
     * @throws IllegalArgumentException when the shape does not fit the values, or a value is NaN/infinite
     */
    public static Tensor encode(float[] values, int[] shape, TensorEncoding encoding, int scaleAxis) {
        checkShapeAndValues(values, shape);
        List<Integer> shapeList = new ArrayList<>();
        for (int d : shape) {
            shapeList.add(d);
        }
        // Setters, not Tensor.newBuilder(): Avro's builders deep-copy every ByteBuffer they are given.
        Tensor t = new Tensor();
        t.setEncoding(encoding);
        t.setShape(shapeList);
        t.setScaleAxis(-1);
        t.setScales(null);
        t.setRef(null);
        switch (encoding) {
            case FP32 -> t.setData(fp32(values));
            case FP16 -> t.setData(fp16(values));
            case INT8 -> int8(t, values, shape, scaleAxis);
            default -> throw new IllegalArgumentException("unknown encoding " + encoding);
        }
        return t;
    }

    private static void checkShapeAndValues(float[] values, int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + n + " values, got " + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new NonFiniteTensorException(
                        "value " + i + " of a tensor of shape " + Arrays.toString(shape) + " is " + values[i]);
            }
        }
    }

    private static ByteBuffer fp32(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return buf;
    }

    private static ByteBuffer fp16(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putShort(toHalf(v));
        }
        buf.flip();
        return buf;
    }

    /** Symmetric per-channel quantisation along {@code scaleAxis}: data, the axis and its scales. */
    private static void int8(Tensor t, float[] values, int[] shape, int scaleAxis) {
        int axis = shape.length == 0 ? 0 : Math.floorMod(scaleAxis, shape.length);
        int channels = shape.length == 0 ? 1 : shape[axis];
        int inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        float[] scales = new float[Math.max(1, channels)];
        for (int i = 0; i < values.length; i++) {
            int c = shape.length == 0 ? 0 : (i / inner) % channels;
            scales[c] = Math.max(scales[c], Math.abs(values[i]));
        }
        for (int c = 0; c < scales.length; c++) {
            scales[c] = scales[c] == 0 ? 1f : scales[c] / 127f;
        }
        byte[] q = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            int c = shape.length == 0 ? 0 : (i / inner) % channels;
            q[i] = (byte) Math.max(-127, Math.min(127, Math.round(values[i] / scales[c])));
        }
        ByteBuffer sb = ByteBuffer.allocate(4 * scales.length).order(ByteOrder.LITTLE_ENDIAN);
        sb.asFloatBuffer().put(scales);
        t.setData(ByteBuffer.wrap(q));
        t.setScaleAxis(axis);
        t.setScales(sb);
    }

    public static int[] shape(Tensor t) {
        return t.getShape().stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Elements the shape declares; a negative dimension or a count beyond an int array is refused, naming the shape.
     */
    public static int elementCount(Tensor t) {
        long n = 1;
        for (int d : t.getShape()) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor shape " + t.getShape() + " has a negative dimension");
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                n = Long.MAX_VALUE;
            }
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor shape " + t.getShape() + " declares "
                    + (n == Long.MAX_VALUE ? "more than 2^63" : n) + " elements, more than a tensor can hold");
        }
        return (int) n;
    }

    /** Decodes to float32 values in row-major order; checks the byte length against the shape. */
    public static float[] decode(Tensor t) {
        if (t.getRef() != null) {
            throw new IllegalStateException(
                    "tensor data is stored by reference at " + t.getRef().getUri() + "; resolve it first");
        }
        int n = elementCount(t);
        ByteBuffer data = t.getData().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int bytesPer =
                switch (t.getEncoding()) {
                    case FP32 -> 4;
                    case FP16 -> 2;
                    case INT8 -> 1;
                };
        if (data.remaining() != (long) n * bytesPer) {
            throw new IllegalArgumentException("tensor of shape " + t.getShape() + " in " + t.getEncoding() + " needs "
                    + (long) n * bytesPer + " bytes, has " + data.remaining());
        }
        float[] out = new float[n];
        switch (t.getEncoding()) {
            case FP32 -> data.asFloatBuffer().get(out);
            case FP16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = fromHalf(data.getShort());
                }
            }
            case INT8 -> {
                int[] shape = shape(t);
                int axis = t.getScaleAxis();
                int channels = shape.length == 0 ? 1 : shape[axis];
                int inner = 1;
                for (int d = axis + 1; d < shape.length; d++) {
                    inner *= shape[d];
                }
                ByteBuffer sb = t.getScales().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                if (sb.remaining() != 4L * Math.max(1, channels)) {
                    throw new IllegalArgumentException(
                            "INT8 tensor of shape " + t.getShape() + " needs " + channels + " scales");
                }
                float[] scales = new float[Math.max(1, channels)];
                sb.asFloatBuffer().get(scales);
                for (int i = 0; i < n; i++) {
                    int c = shape.length == 0 ? 0 : (i / inner) % channels;
                    out[i] = data.get() * scales[c];
                }
            }
            default -> throw new IllegalArgumentException("unknown encoding " + t.getEncoding());
        }
        return out;
    }

    /** Bytes the data (and scales) take in the record. */
    public static int payloadBytes(Tensor t) {
        return t.getData().remaining()
                + (t.getScales() == null ? 0 : t.getScales().remaining());
    }

    /** IEEE 754 binary16 from float, round to nearest even; overflow to infinity is refused by the caller's range. */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = bits & 0x7fffff;
        if (exp >= 31) {
            return (short) (sign | 0x7bff); // clamp to the largest finite half (65504)
        }
        if (exp <= 0) {
            if (exp < -10) {
                return (short) sign;
            }
            mant |= 0x800000;
            int shift = 14 - exp;
            int half = mant >> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (exp << 10) | (mant >> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }

    static float fromHalf(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant / 1024f * (float) Math.pow(2, -14);
            return sign != 0 ? -v : v;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
