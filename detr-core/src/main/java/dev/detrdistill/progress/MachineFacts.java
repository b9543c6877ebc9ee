package dev.detrdistill.progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * @param largeBlocks whether glibc's malloc keeps freed tensor memory or unmaps it (here 8-33% of a
 *     training step's time)
 */
public record MachineFacts(String cpu, int cores, List<String> vectorExtensions, LargeBlocks largeBlocks) {
    /** What glibc's malloc does with a freed block over its mmap threshold (32 MB at most). */
    public enum LargeBlocks {
        /** {@code MALLOC_MMAP_MAX_=0}: served from and returned to the heap, reused by the next step. */
        KEPT,
        /** glibc's default: mapped fresh and unmapped on free, so every step faults its pages in again. */
        UNMAPPED,
        /** not Linux: another allocator, nothing to say. */
        UNKNOWN;

        /** From the process environment ({@code MALLOC_MMAP_MAX_}, {@code GLIBC_TUNABLES}) and the OS name. */
        static LargeBlocks from(Map<String, String> env, String osName) {
            if (!osName.toLowerCase(Locale.ROOT).contains("linux")) {
                return UNKNOWN;
            }
            boolean off = "0".equals(env.getOrDefault("MALLOC_MMAP_MAX_", "").trim())
                    || env.getOrDefault("GLIBC_TUNABLES", "").matches("(.*:)?glibc\\.malloc\\.mmap_max=0(:.*)?");
            return off ? KEPT : UNMAPPED;
        }
    }

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
        return fromCpuinfo(cpuinfo, Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"))
                .with(LargeBlocks.from(System.getenv(), System.getProperty("os.name")));
    }

    MachineFacts with(LargeBlocks blocks) {
        return new MachineFacts(cpu, cores, vectorExtensions, blocks);
    }

    /** From the text of Linux's {@code /proc/cpuinfo} (empty elsewhere); the allocator left {@code UNKNOWN}. */
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
        return new MachineFacts(cpu, cores, present, LargeBlocks.UNKNOWN);
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

    /**
     * One line, e.g. {@code machine: AMD EPYC (family 25), 2 cores, avx2 (no avx512f), malloc keeps large blocks}.
     */
    public String describe() {
        String simd = vectorExtensions.isEmpty() ? "no SIMD extension read" : String.join(" ", vectorExtensions);
        boolean x86 = vectorExtensions.contains("avx2") || vectorExtensions.contains("avx512f");
        if (x86 && !vectorExtensions.contains("avx512f")) {
            simd += " (no avx512f)";
        }
        String malloc =
                switch (largeBlocks) {
                    case KEPT -> ", malloc keeps large blocks";
                    case UNMAPPED -> ", malloc unmaps large blocks (slower steps; ./distill sets MALLOC_MMAP_MAX_=0)";
                    case UNKNOWN -> "";
                };
        return String.format(Locale.ROOT, "machine: %s, %d cores, %s%s", cpu, cores, simd, malloc);
    }
}
