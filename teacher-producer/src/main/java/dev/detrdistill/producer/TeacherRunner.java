package dev.detrdistill.producer;

import ai.djl.ndarray.NDArray;
import dev.detrdistill.model.DetrOutput;
import dev.detrdistill.records.TeacherCard;
import java.io.IOException;
import java.util.List;

/** A teacher the producer can run: one of our checkpoints, or a TorchScript file. */
public interface TeacherRunner extends AutoCloseable {
    /** Inference on a normalised batch {@code (B, 3, S, S)}. */
    DetrOutput forward(NDArray images);

    /** The input side S the teacher expects. */
    int imageSize();

    /** The once-per-version card describing this teacher. */
    TeacherCard card(List<String> classNames, String teacherId, int version) throws IOException;

    @Override
    default void close() {}
}
