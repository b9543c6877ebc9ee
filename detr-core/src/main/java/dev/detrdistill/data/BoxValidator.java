package dev.detrdistill.data;

import dev.detrdistill.box.Box;
import java.util.Optional;

/** Checks a ground-truth box against its image: clips slight overhang, drops degenerate boxes with a reason. */
final class BoxValidator {
    private BoxValidator() {}

    /** The box clipped to the image, or empty (recorded in the report) when it is degenerate or outside. */
    static Optional<Box> check(Box box, int width, int height, String where, DataReport report) {
        if (!Double.isFinite(box.x0() + box.y0() + box.x1() + box.y1())) {
            report.droppedBox(where, "non-finite coordinates " + box);
            return Optional.empty();
        }
        if (box.isDegenerate()) {
            report.droppedBox(
                    where,
                    String.format(
                            "degenerate box (%.1f,%.1f,%.1f,%.1f): width or height <= 0",
                            box.x0(), box.y0(), box.x1(), box.y1()));
            return Optional.empty();
        }
        Box clipped = box.clip(width, height);
        if (clipped.width() < 1 || clipped.height() < 1) {
            report.droppedBox(
                    where,
                    String.format(
                            "box (%.1f,%.1f,%.1f,%.1f) lies outside the %dx%d image",
                            box.x0(), box.y0(), box.x1(), box.y1(), width, height));
            return Optional.empty();
        }
        return Optional.of(clipped);
    }
}
