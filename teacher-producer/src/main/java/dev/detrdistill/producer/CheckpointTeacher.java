package dev.detrdistill.producer;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.model.DetrOutput;
import dev.detrdistill.records.TeacherCard;
import java.io.IOException;
import java.util.List;

/** One of the project's own detectors as the producer's teacher. */
public final class CheckpointTeacher implements TeacherRunner {
    private final DetrModel model;

    public CheckpointTeacher(DetrModel model) {
        this.model = model;
    }

    @Override
    public DetrOutput forward(NDArray images) {
        return model.detect(new ParameterStore(images.getManager(), false), images, false);
    }

    @Override
    public int imageSize() {
        return model.config().imageSize();
    }

    @Override
    public TeacherCard card(List<String> classNames, String teacherId, int version) throws IOException {
        return TeacherCardFactory.create(model, classNames, teacherId, version);
    }
}
