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
 * @param largeBlocks whether glibc's malloc keeps freed tensor memory or unmaps it (docs/benchmarks.md,
 *     "Machines")
 */
public record MachineFacts(String cpu, int cores, List<String> vectorExtensions, LargeBlocks largeBlocks) {
    /**
     * What glibc's malloc does with a freed block over its mmap threshold (32 MB at most). Two settings keep it:
     * no mmap for blocks ({@code mmap_max=0}), and a top pad of at least a heap (64 MB), without which a thread's
     * heap that falls wholly free is unmapped whatever the trim threshold, and the next step maps it again.
     */
    public enum LargeBlocks {
        /** {@code MALLOC_MMAP_MAX_=0} and {@code MALLOC_TOP_PAD_} >= 64 MB: freed memory is reused by the next step. */
        KEPT,
        /** glibc's default, or only part of the above: every step faults the pages of its large tensors in again. */
        UNMAPPED,
        /** not Linux: another allocator, nothing to say. */
        UNKNOWN;

        private static final long HEAP_SIZE = 64L << 20;

        /** From the process environment ({@code MALLOC_*}, {@code GLIBC_TUNABLES}) and the OS name. */
        static LargeBlocks from(Map<String, String> env, String osName) {
            if (!osName.toLowerCase(Locale.ROOT).contains("linux")) {
                return UNKNOWN;
            }
            String mmapMax = setting(env, "MALLOC_MMAP_MAX_", "glibc.malloc.mmap_max");
            String topPad = setting(env, "MALLOC_TOP_PAD_", "glibc.malloc.top_pad");
            boolean padded;
            try {
                padded = Long.parseLong(topPad) >= HEAP_SIZE;
            } catch (NumberFormatException e) {
                padded = false; // unset or unreadable: glibc's 128 KiB
            }
            return "0".equals(mmapMax) && padded ? KEPT : UNMAPPED;
        }

        /** The environment variable's value, else the tunable's in {@code GLIBC_TUNABLES}, else empty. */
        private static String setting(Map<String, String> env, String variable, String tunable) {
            String v = env.getOrDefault(variable, "").trim();
            if (!v.isEmpty()) {
                return v;
            }
            for (String kv : env.getOrDefault("GLIBC_TUNABLES", "").split(":")) {
                if (kv.startsWith(tunable + "=")) {
                    return kv.substring(tunable.length() + 1).trim();
                }
            }
            return "";
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
                    case UNMAPPED -> ", malloc unmaps large blocks (slower steps: docs/configuration.md, Environment)";
                    case UNKNOWN -> "";
                };
        return String.format(Locale.ROOT, "machine: %s, %d cores, %s%s", cpu, cores, simd, malloc);
    }
}
