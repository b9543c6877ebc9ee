package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import dev.detrdistill.data.ImageView;
import java.util.List;

/** Where a step's teacher knowledge comes from: a teacher run in this process, or decoded records. */
public interface TeacherSource {
    /**
     * @param images the student's input batch {@code (B, 3, S, S)}, on the step's manager
     * @param views the views it was rendered from (ids, view parameters, ground truth)
     */
    TeacherKnowledge knowledge(NDArray images, List<ImageView> views);

    /** The teacher's decoder depth. */
    int numStages();

    /** Feature width d_T. */
    int featureWidth();

    /** Query-prior row width P_T. */
    int queryPriorWidth();
}
