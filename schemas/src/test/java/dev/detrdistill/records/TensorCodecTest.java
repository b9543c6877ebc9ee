package dev.detrdistill.records;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

class TensorCodecTest {
    private static float[] random(int n, long seed, float scale) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * scale;
        }
        return v;
    }

    private static Tensor throughAvro(Tensor t) throws Exception {
        AvroTrust.trustRecordClasses();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(Tensor.class).write(t, enc);
        enc.flush();
        BinaryDecoder dec = DecoderFactory.get().binaryDecoder(out.toByteArray(), null);
        return new SpecificDatumReader<>(Tensor.class).read(null, dec);
    }

    @Test
    void fp32RoundTripIsExact() throws Exception {
        float[] v = random(2 * 3 * 5, 1, 3f);
        v[0] = Float.MIN_VALUE;
        v[1] = -0f;
        v[2] = Float.MAX_VALUE;
        Tensor t = throughAvro(TensorCodec.encode(v, new int[] {2, 3, 5}, TensorEncoding.FP32));
        assertArrayEquals(v, TensorCodec.decode(t), 0f);
        assertEquals(4 * v.length, TensorCodec.payloadBytes(t));
    }

    @Test
    void fp16StaysWithinHalfPrecisionRelativeError() throws Exception {
        float[] v = random(1000, 2, 10f);
        float[] back = TensorCodec.decode(throughAvro(TensorCodec.encode(v, new int[] {10, 100}, TensorEncoding.FP16)));
        for (int i = 0; i < v.length; i++) {
            float bound = Math.max(Math.abs(v[i]) * (1f / 2048), 6e-8f);
            assertEquals(v[i], back[i], bound, "index " + i);
        }
        assertEquals(1.0f, TensorCodec.fromHalf(TensorCodec.toHalf(1.0f)));
        assertEquals(65504f, TensorCodec.fromHalf(TensorCodec.toHalf(1e6f)), "overflow clamps to the largest half");
    }

    @Test
    void int8ErrorIsBoundedByHalfTheChannelScale() throws Exception {
        int channels = 8;
        int inner = 50;
        float[] v = new float[channels * inner];
        Random r = new Random(3);
        for (int c = 0; c < channels; c++) {
            float range = (float) Math.pow(10, c - 4); // channels of very different magnitude
            for (int k = 0; k < inner; k++) {
                v[c * inner + k] = (float) r.nextGaussian() * range;
            }
        }
        Tensor t = throughAvro(TensorCodec.encode(v, new int[] {channels, inner}, TensorEncoding.INT8, 0));
        float[] back = TensorCodec.decode(t);
        for (int c = 0; c < channels; c++) {
            float max = 0;
            for (int k = 0; k < inner; k++) {
                max = Math.max(max, Math.abs(v[c * inner + k]));
            }
            float scale = max / 127;
            for (int k = 0; k < inner; k++) {
                assertEquals(v[c * inner + k], back[c * inner + k], scale / 2 + 1e-12f, "channel " + c);
            }
        }
        assertEquals(channels * inner + 4 * channels, TensorCodec.payloadBytes(t));
    }

    @Test
    void nanIsRefusedNamingTheIndex() {
        float[] v = {1, 2, Float.NaN};
        NonFiniteTensorException e = assertThrows(
                NonFiniteTensorException.class, () -> TensorCodec.encode(v, new int[] {3}, TensorEncoding.FP16));
        assertTrue(e.getMessage().contains("value 2"), e.getMessage());
    }

    @Test
    void shapeMismatchAndTruncatedDataAreRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> TensorCodec.encode(new float[5], new int[] {2, 3}, TensorEncoding.FP32));
        Tensor t = TensorCodec.encode(new float[6], new int[] {2, 3}, TensorEncoding.FP32);
        t.setShape(java.util.List.of(3, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TensorCodec.decode(t));
        assertTrue(e.getMessage().contains("needs 36 bytes"), e.getMessage());
    }
}
