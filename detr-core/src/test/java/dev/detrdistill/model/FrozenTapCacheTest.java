package dev.detrdistill.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The frozen-network cache runs the network once per distinct image and gives back exactly what it computed. */
class FrozenTapCacheTest {
    /** A stand-in network with two outputs at different strides; it records how many images it was given. */
    private static Function<NDArray, NDList> network(List<Long> seen) {
        return images -> {
            seen.add(images.getShape().get(0));
            NDArray fine = images.get(":, 0:2, ::2, ::2").mul(3f);
            NDArray coarse =
                    images.get(":, :, ::4, ::4").sum(new int[] {1}, true).add(1f);
            return new NDList(fine, coarse);
        };
    }

    @Test
    void unseenImagesAloneGoThroughTheNetworkAndOutputsMatchItExactly() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<Long> seen = new ArrayList<>();
            FrozenTapCache cache = new FrozenTapCache("test", 1L << 30);
            NDArray first = m.randomNormal(new Shape(3, 3, 8, 8));
            NDArray other = m.randomNormal(new Shape(2, 3, 8, 8));
            cache.outputs(first, network(seen));
            // A batch of two seen images (in another order) and two new ones.
            NDArray mixed = first.get("2:3").concat(other).concat(first.get("0:1"));
            NDList out = cache.outputs(mixed, network(seen));
            assertEquals(List.of(3L, 2L), seen, "only the two unseen images run the second time");
            NDList direct = network(new ArrayList<>()).apply(mixed);
            for (int t = 0; t < 2; t++) {
                assertEquals(direct.get(t).getShape(), out.get(t).getShape());
                assertArrayEquals(direct.get(t).toFloatArray(), out.get(t).toFloatArray(), 0f);
            }
            cache.outputs(mixed, network(seen));
            assertEquals(List.of(3L, 2L), seen, "a batch seen whole does not run at all");
            FrozenTapCache.Stats stats = cache.stats();
            assertEquals(5, stats.misses());
            assertEquals(2 + 4, stats.hits());
            assertEquals(5, stats.entries());
        }
    }

    @Test
    void imagesOfAnotherSizeAreOtherEntriesAndTheBudgetBoundsMemory() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<Long> seen = new ArrayList<>();
            // Each 8x8 image leaves 2*4*4 + 1*2*2 floats: about 200 bytes with bookkeeping; room for about five.
            FrozenTapCache cache = new FrozenTapCache("test", 1000);
            NDArray small = m.zeros(new Shape(1, 3, 8, 8));
            NDArray large = m.zeros(new Shape(1, 3, 16, 16));
            assertEquals(
                    new Shape(1, 2, 4, 4),
                    cache.outputs(small, network(seen)).get(0).getShape());
            assertEquals(
                    new Shape(1, 2, 8, 8),
                    cache.outputs(large, network(seen)).get(0).getShape());
            assertEquals(2, seen.size(), "same pixel values, other size: not the same image");
            for (int i = 0; i < 20; i++) {
                cache.outputs(m.randomNormal(new Shape(1, 3, 8, 8)), network(seen));
            }
            FrozenTapCache.Stats stats = cache.stats();
            assertTrue(stats.megabytes() * 1024 * 1024 <= 1000, "over budget: " + stats);
            assertTrue(stats.entries() >= 3 && stats.entries() < 10, "entries " + stats.entries());
        }
    }

    @Test
    void timedWorkCanBypassTheCache() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<Long> seen = new ArrayList<>();
            FrozenTapCache cache = new FrozenTapCache("test", 1L << 30);
            NDArray x = m.randomNormal(new Shape(2, 3, 8, 8));
            cache.outputs(x, network(seen));
            FrozenTapCache.uncached(() -> cache.outputs(x, network(seen)));
            assertEquals(List.of(2L, 2L), seen, "inside uncached() the network runs even for seen images");
            cache.outputs(x, network(seen));
            assertEquals(2, seen.size(), "outside it the cache answers again");
        }
    }

    @Test
    void aBadBudgetIsRefusedByName() {
        String old = System.getProperty(FrozenTapCache.BUDGET_PROPERTY);
        try {
            System.setProperty(FrozenTapCache.BUDGET_PROPERTY, "lots");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, FrozenTapCache::budgetBytes);
            assertTrue(e.getMessage().contains(FrozenTapCache.BUDGET_PROPERTY), e.getMessage());
            System.setProperty(FrozenTapCache.BUDGET_PROPERTY, "0");
            assertEquals(null, FrozenTapCache.shared("off"));
        } finally {
            if (old == null) {
                System.clearProperty(FrozenTapCache.BUDGET_PROPERTY);
            } else {
                System.setProperty(FrozenTapCache.BUDGET_PROPERTY, old);
            }
        }
    }
}
