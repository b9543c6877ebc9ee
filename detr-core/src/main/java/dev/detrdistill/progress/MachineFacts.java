package dev.detrdistill.progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The machine a run measured its times on, printed at the start of training, the demo and benchmarks: the same
 * command ran two to three times slower per step on an AVX2-only AMD EPYC than on the machine of earlier figures
 * (docs/benchmarks.md, "Machines"), so a time means little without the CPU it was taken on.
 *
 * @param cpu the CPU's model name, or the OS architecture where it cannot be read
 * @param cores processors the JVM may use
 * @param vectorExtensions the SIMD extensions that decide which kernels libtorch and oneDNN pick (e.g. avx512f, avx2)
 */
public record MachineFacts(String cpu, int cores, List<String> vectorExtensions) {
    /** In the order they matter to libtorch's CPU kernels, widest first. */
    private static final List<String> EXTENSIONS =
            List.of("amx_tile", "avx512_bf16", "avx512f", "avx2", "neon", "asimd");

    public static MachineFacts current() {
        String cpuinfo;
        try {
            cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException | SecurityException e) {
            cpuinfo = ""; // not Linux, or not readable: the architecture is all we say
        }
        return fromCpuinfo(cpuinfo, Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"));
    }

    /** From the text of Linux's {@code /proc/cpuinfo} (empty elsewhere). */
    static MachineFacts fromCpuinfo(String cpuinfo, int cores, String arch) {
        String model = field(cpuinfo, "model name");
        if (model.isEmpty()) {
            model = field(cpuinfo, "Model"); // arm64 boards
        }
        String family = field(cpuinfo, "cpu family");
        String cpu = model.isEmpty() ? arch : model + (family.isEmpty() ? "" : " (family " + family + ")");
        Set<String> flags = Arrays.stream((field(cpuinfo, "flags") + " " + field(cpuinfo, "Features")).split("\\s+"))
                .collect(Collectors.toSet());
        List<String> present = EXTENSIONS.stream().filter(flags::contains).toList();
        return new MachineFacts(cpu, cores, present);
    }

    /** The value of the first {@code key : value} line, trimmed; empty when there is none. */
    private static String field(String cpuinfo, String key) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                return line.substring(colon + 1).trim();
            }
        }
        return "";
    }

    /** One line, e.g. {@code machine: AMD EPYC (family 25), 2 cores, avx2 (no avx512f)}. */
    public String describe() {
        String simd = vectorExtensions.isEmpty() ? "no SIMD extension read" : String.join(" ", vectorExtensions);
        boolean x86 = vectorExtensions.contains("avx2") || vectorExtensions.contains("avx512f");
        if (x86 && !vectorExtensions.contains("avx512f")) {
            simd += " (no avx512f)";
        }
        return String.format(Locale.ROOT, "machine: %s, %d cores, %s", cpu, cores, simd);
    }
}
