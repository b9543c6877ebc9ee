package dev.detrdistill.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What a reader had to drop or fix, so nothing is dropped silently. */
public final class DataReport {
    private final List<String> droppedBoxes = new ArrayList<>();

    public void droppedBox(String where, String why) {
        droppedBoxes.add(where + ": " + why);
    }

    public List<String> droppedBoxes() {
        return Collections.unmodifiableList(droppedBoxes);
    }

    /** One line for logs, with the first few details. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(droppedBoxes.size()).append(" degenerate or out-of-image boxes dropped");
        droppedBoxes.stream().limit(5).forEach(d -> s.append("\n  - ").append(d));
        if (droppedBoxes.size() > 5) {
            s.append("\n  - ... ").append(droppedBoxes.size() - 5).append(" more");
        }
        return s.toString();
    }
}
