package dev.detrdistill.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class DevicesTest {
    @Test
    void cpuAndAutoParseAndManagersLiveThere() {
        assertEquals(Device.cpu(), Devices.parse("cpu"));
        assertEquals(Device.cpu(), Devices.parse(" CPU "));
        assertEquals(Engine.getInstance().defaultDevice(), Devices.parse("auto"));
        Device before = Devices.current();
        try {
            Devices.use(Device.cpu());
            try (NDManager m = Devices.newManager()) {
                assertEquals(
                        Device.cpu(), m.zeros(new ai.djl.ndarray.types.Shape(2)).getDevice());
            }
        } finally {
            Devices.use(before);
        }
    }

    @Test
    void aGpuOnTheCpuBuildAndMalformedNamesAreRefusedByName() {
        assumeFalse(Engine.getInstance().hasCapability(StandardCapabilities.CUDA), "this build has CUDA");
        IllegalArgumentException gpu = assertThrows(IllegalArgumentException.class, () -> Devices.parse("gpu:1"));
        assertTrue(gpu.getMessage().contains("sees 0 GPU") && gpu.getMessage().contains("-Pcuda"), gpu.getMessage());
        for (String bad : new String[] {"tpu", "gpu:x", "gpu1x", "cuda:-1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.parse(bad));
            assertTrue(e.getMessage().contains("--device " + bad), e.getMessage());
        }
    }
}
