package dev.detrdistill.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.detrdistill.progress.MachineFacts.LargeBlocks;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MachineFactsTest {
    @Test
    void readsModelFamilyAndVectorExtensionsFromCpuinfo() {
        String cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n"
                + "model name\t: AMD EPYC\nflags\t\t: fpu sse2 avx avx2 fma bmi2\n\nprocessor\t: 1\n";
        MachineFacts m = MachineFacts.fromCpuinfo(cpuinfo, 2, "amd64");
        assertEquals(new MachineFacts("AMD EPYC (family 25)", 2, List.of("avx2"), LargeBlocks.UNKNOWN), m);
        assertEquals("machine: AMD EPYC (family 25), 2 cores, avx2 (no avx512f)", m.describe());
    }

    @Test
    void anAvx512MachineSaysSoAndAnUnreadableOneGivesTheArchitecture() {
        String intel = "cpu family\t: 6\nmodel name\t: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz\n"
                + "flags\t\t: avx avx2 avx512f avx512bw\n";
        assertEquals(
                "machine: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz (family 6), 8 cores, avx512f avx2",
                MachineFacts.fromCpuinfo(intel, 8, "amd64").describe());
        MachineFacts unknown = MachineFacts.fromCpuinfo("", 4, "aarch64");
        assertEquals("machine: aarch64, 4 cores, no SIMD extension read", unknown.describe());
        assertFalse(MachineFacts.current().describe().isBlank());
    }

    @Test
    void saysWhetherMallocKeepsLargeBlocks() {
        Map<String, String> launcher = Map.of(
                "MALLOC_MMAP_MAX_", "0", "MALLOC_TRIM_THRESHOLD_", "17179869184", "MALLOC_TOP_PAD_", "1073741824");
        assertEquals(LargeBlocks.KEPT, LargeBlocks.from(launcher, "Linux"));
        assertEquals(
                LargeBlocks.KEPT,
                LargeBlocks.from(
                        Map.of("GLIBC_TUNABLES", "glibc.malloc.mmap_max=0:glibc.malloc.top_pad=67108864"), "Linux"));
        // without the pad a thread's heap is still unmapped when it falls free
        assertEquals(LargeBlocks.UNMAPPED, LargeBlocks.from(Map.of("MALLOC_MMAP_MAX_", "0"), "Linux"));
        assertEquals(
                LargeBlocks.UNMAPPED,
                LargeBlocks.from(Map.of("MALLOC_MMAP_MAX_", "0", "MALLOC_TOP_PAD_", "67108863"), "Linux"));
        assertEquals(
                LargeBlocks.UNMAPPED,
                LargeBlocks.from(Map.of("MALLOC_MMAP_MAX_", "65536", "MALLOC_TOP_PAD_", "1073741824"), "Linux"));
        assertEquals(
                LargeBlocks.UNMAPPED,
                LargeBlocks.from(Map.of("MALLOC_MMAP_MAX_", "0", "MALLOC_TOP_PAD_", "1g"), "Linux"));
        assertEquals(LargeBlocks.UNMAPPED, LargeBlocks.from(Map.of(), "Linux"));
        assertEquals(LargeBlocks.UNKNOWN, LargeBlocks.from(launcher, "Mac OS X"));
        MachineFacts amd = new MachineFacts("AMD EPYC", 2, List.of("avx2"), LargeBlocks.UNKNOWN);
        assertEquals(
                "machine: AMD EPYC, 2 cores, avx2 (no avx512f), malloc keeps large blocks",
                amd.with(LargeBlocks.KEPT).describe());
        assertTrue(amd.with(LargeBlocks.UNMAPPED)
                .describe()
                .endsWith("(slower steps: docs/configuration.md, Environment)"));
    }
}
