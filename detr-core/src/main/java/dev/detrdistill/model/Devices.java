package dev.detrdistill.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.util.Locale;

/**
 * Which device the process computes on ({@code --device cpu|gpu|gpu:<n>|auto}). "auto" is the engine's own default:
 * the first GPU when the PyTorch engine was built with CUDA and sees one, else the CPU. Every root NDManager of
 * the project comes from {@link #newManager()}, so one choice reaches models, optimizers and batches alike.
 */
public final class Devices {
    private static volatile Device chosen;

    private Devices() {}

    /** Parses a {@code --device} value; GPUs must exist now, so a typo or a CPU-only build fails here, by name. */
    public static Device parse(String text) {
        String s = text == null ? "auto" : text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("auto")) {
            return Engine.getInstance().defaultDevice();
        }
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        String id = s.startsWith("gpu") ? s.substring(3) : s.startsWith("cuda") ? s.substring(4) : null;
        if (id == null || !(id.isEmpty() || id.matches("[:]?[0-9]{1,3}"))) {
            throw new IllegalArgumentException("--device " + text + ": use cpu, gpu, gpu:<n> or auto");
        }
        int n = id.isEmpty() ? 0 : Integer.parseInt(id.replace(":", ""));
        // A CPU build of libtorch cannot use a GPU even where CUDA's runtime counts some.
        int gpus = Engine.getInstance().hasCapability(ai.djl.engine.StandardCapabilities.CUDA)
                ? Engine.getInstance().getGpuCount()
                : 0;
        if (n >= gpus) {
            throw new IllegalArgumentException("--device " + text + ": the PyTorch engine sees " + gpus + " GPU(s)"
                    + (gpus == 0
                            ? " (a CPU build of libtorch, or no CUDA driver; build with 'mvn -Pcuda', "
                                    + "docs/configuration.md)"
                            : ""));
        }
        return Device.gpu(n);
    }

    /** Makes {@code device} the process default for {@link #newManager()}. */
    public static void use(Device device) {
        chosen = device;
    }

    public static Device current() {
        Device d = chosen;
        return d != null ? d : Engine.getInstance().defaultDevice();
    }

    /** A root manager on the chosen device. */
    public static NDManager newManager() {
        return NDManager.newBaseManager(current());
    }

    /** A root manager on {@code device} (a job's own choice, whatever the process default). */
    public static NDManager newManager(Device device) {
        return NDManager.newBaseManager(device);
    }
}
