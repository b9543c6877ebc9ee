package dev.detrdistill.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (decoupled weight decay) whose moment estimates are ours to save and restore, so a checkpoint
 * resumes exactly. DJL's own AdamW keeps them private. The update itself is libtorch's fused kernel.
 */
public final class AdamW {
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    private final NDManager stateManager;
    private final Map<String, NDArray[]> moments = new LinkedHashMap<>();
    private int updates;

    public AdamW(NDManager parent, float weightDecay) {
        this(parent, 0.9f, 0.999f, 1e-8f, weightDecay);
    }

    public AdamW(NDManager parent, float beta1, float beta2, float epsilon, float weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        this.stateManager = parent.newSubManager();
    }

    public int updates() {
        return updates;
    }

    /** One update of every parameter that has a gradient, at learning rate {@code lr}; clears the gradients after. */
    public void step(PairList<String, Parameter> parameters, float lr) {
        step(parameters, lr, p -> 1.0);
    }

    /** As {@link #step(PairList, float)}, each parameter at {@code lr} times its own {@code scale}. */
    public void step(
            PairList<String, Parameter> parameters, float lr, java.util.function.ToDoubleFunction<Parameter> scale) {
        updates++;
        double c1 = 1 - Math.pow(beta1, updates);
        double c2 = 1 - Math.pow(beta2, updates);
        for (Pair<String, Parameter> p : parameters) {
            NDArray weight = p.getValue().getArray();
            if (!weight.hasGradient()) {
                continue;
            }
            NDArray grad = weight.getGradient();
            float rate = (float) (lr * scale.applyAsDouble(p.getValue()));
            NDArray[] m = moments.computeIfAbsent(p.getKey(), k -> new NDArray[] {
                stateManager.zeros(weight.getShape(), weight.getDataType(), weight.getDevice()),
                stateManager.zeros(weight.getShape(), weight.getDataType(), weight.getDevice())
            });
            weight.getNDArrayInternal()
                    .adamUpdate(
                            new NDList(weight, grad, m[0], m[1]),
                            new NDList(weight),
                            rate,
                            (float) (rate * Math.sqrt(c2) / c1),
                            weightDecay,
                            1f,
                            -1f,
                            beta1,
                            beta2,
                            epsilon,
                            true,
                            true);
            // libtorch accumulates gradients and DJL's GradientCollector does not clear them: without this,
            // every step would add its gradient to all earlier ones.
            grad.subi(grad);
            grad.close();
        }
    }

    /** Writes the step count and moments. */
    public void save(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(updates);
        data.writeInt(moments.size());
        for (Map.Entry<String, NDArray[]> e : moments.entrySet()) {
            data.writeUTF(e.getKey());
            for (NDArray a : e.getValue()) {
                byte[] bytes = a.encode();
                data.writeInt(bytes.length);
                data.write(bytes);
            }
        }
        data.flush();
    }

    /** Restores what {@link #save} wrote, replacing the current state. */
    public void load(InputStream in) throws IOException {
        // Read what is there first, so every declared length is checked against the bytes that exist before
        // anything is allocated for it: a corrupt file fails with a message, not with an out-of-memory error.
        byte[] all = in.readAllBytes();
        DataInputStream data = new DataInputStream(new java.io.ByteArrayInputStream(all));
        moments.values().forEach(arr -> {
            for (NDArray a : arr) {
                a.close();
            }
        });
        moments.clear();
        updates = data.readInt();
        int n = data.readInt();
        if (n < 0 || n > all.length / 8) {
            throw new IOException("optimizer state declares " + n + " parameters in " + all.length + " bytes: corrupt");
        }
        for (int i = 0; i < n; i++) {
            String key = data.readUTF();
            NDArray[] m = new NDArray[2];
            for (int j = 0; j < 2; j++) {
                int length = data.readInt();
                if (length < 0 || length > data.available()) {
                    throw new IOException("optimizer state of " + key + " declares " + length + " bytes, "
                            + data.available() + " remain: corrupt or truncated");
                }
                byte[] bytes = new byte[length];
                data.readFully(bytes);
                m[j] = NDArray.decode(stateManager, bytes);
            }
            moments.put(key, m);
        }
    }

    public byte[] toBytes() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        save(bytes);
        return bytes.toByteArray();
    }
}
