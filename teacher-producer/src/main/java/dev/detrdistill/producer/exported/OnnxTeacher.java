package dev.detrdistill.producer.exported;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * A teacher from an ONNX file, run by ONNX Runtime's Java API (inference only, which is all the producer does).
 * Tensors cross as float buffers: the input is copied out of the PyTorch-engine batch and the outputs are created
 * in the batch's manager, so the rest of the producer never sees another engine's arrays.
 */
public final class OnnxTeacher extends ExportedTeacher {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String inputName;

    private OnnxTeacher(OrtEnvironment env, OrtSession session, Path file, int imageSize) throws OrtException {
        super(file, imageSize);
        this.env = env;
        this.session = session;
        if (session.getNumInputs() != 1) {
            throw new IllegalArgumentException("ONNX teacher " + file + " has " + session.getNumInputs() + " inputs "
                    + session.getInputNames() + "; the contract has one, the normalised pixels (B, 3, S, S)");
        }
        this.inputName = session.getInputNames().iterator().next();
    }

    public static OnnxTeacher load(Path file, int imageSize) throws IOException {
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            return new OnnxTeacher(env, env.createSession(file.toString(), options), file, imageSize);
        } catch (OrtException e) {
            throw new IOException("cannot load ONNX teacher " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected NDList run(NDArray images) {
        NDManager manager = images.getManager();
        long[] shape = images.getShape().getShape();
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(images.toFloatArray()), shape);
                OrtSession.Result result = session.run(Map.of(inputName, input))) {
            NDList out = new NDList(result.size());
            for (Map.Entry<String, OnnxValue> e : result) {
                if (!(e.getValue() instanceof OnnxTensor t)) {
                    throw new IllegalStateException(
                            "ONNX teacher " + file() + " output " + e.getKey() + " is not a tensor");
                }
                NDArray a =
                        manager.create(t.getFloatBuffer(), new Shape(t.getInfo().getShape()));
                a.setName(e.getKey());
                out.add(a);
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException(
                    "ONNX teacher " + file() + " failed on a batch of shape " + images.getShape() + ": "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    protected String format() {
        return "onnx";
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing ONNX teacher " + file() + ": " + e.getMessage(), e);
        }
    }
}
