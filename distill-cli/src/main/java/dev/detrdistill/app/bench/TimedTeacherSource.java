package dev.detrdistill.app.bench;

import ai.djl.ndarray.NDArray;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.distill.TeacherKnowledge;
import dev.detrdistill.distill.TeacherSource;
import java.util.List;

/** A teacher source that adds up the wall time its delegate spends, to separate teacher from student cost. */
final class TimedTeacherSource implements TeacherSource {
    private final TeacherSource delegate;
    private long nanos;

    TimedTeacherSource(TeacherSource delegate) {
        this.delegate = delegate;
    }

    @Override
    public TeacherKnowledge knowledge(NDArray images, List<ImageView> views) {
        long t = System.nanoTime();
        try {
            return delegate.knowledge(images, views);
        } finally {
            nanos += System.nanoTime() - t;
        }
    }

    double seconds() {
        return nanos / 1e9;
    }

    @Override
    public int numStages() {
        return delegate.numStages();
    }

    @Override
    public int featureWidth() {
        return delegate.featureWidth();
    }

    @Override
    public int queryPriorWidth() {
        return delegate.queryPriorWidth();
    }
}
