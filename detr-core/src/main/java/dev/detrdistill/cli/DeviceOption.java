package dev.detrdistill.cli;

import ai.djl.Device;
import dev.detrdistill.model.Devices;
import picocli.CommandLine.Option;

/** {@code --device}: where a command computes; applied before anything allocates. */
public final class DeviceOption {
    @Option(
            names = "--device",
            defaultValue = "auto",
            paramLabel = "<cpu|gpu|gpu:n|auto>",
            description =
                    "Compute device: cpu, gpu (the first), gpu:<n>, or auto (a GPU when the CUDA build sees one). "
                            + "Default: ${DEFAULT-VALUE}")
    String device = "auto";

    /** Parses, checks and makes the choice the process default; returns it. */
    public Device apply() {
        Device d = Devices.parse(device);
        Devices.use(d);
        return d;
    }

    public String text() {
        return device;
    }
}
