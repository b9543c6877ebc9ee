package dev.detrdistill.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import dev.detrdistill.box.BoxOps;
import dev.detrdistill.data.DetectionTarget;
import dev.detrdistill.matching.Assignment;
import dev.detrdistill.model.DetrOutput;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the distillation terms of one step read: the student's forward outputs, the teacher's
 * knowledge, ground truth, the stage mapping and adapters. Student-to-teacher matches are computed once
 * per student stage and shared by the instance, contrastive and relation terms.
 */
public final class DistillationContext {
    private final ParameterStore ps;
    private final DetrOutput student;
    private final TeacherKnowledge teacher;
    private final List<DetectionTarget> targets;
    private final StageMapping mapping;
    private final DistillationAdapters adapters;
    private final InstanceMatcher matcher;
    private final Map<Integer, List<Assignment>> matches = new HashMap<>();
    private final Map<Integer, NDArray> clippedTeacherBoxes = new HashMap<>();

    public DistillationContext(
            ParameterStore ps,
            DetrOutput student,
            TeacherKnowledge teacher,
            List<DetectionTarget> targets,
            StageMapping mapping,
            DistillationAdapters adapters,
            InstanceMatcher matcher) {
        this.ps = ps;
        this.student = student;
        this.teacher = teacher;
        this.targets = targets;
        this.mapping = mapping;
        this.adapters = adapters;
        this.matcher = matcher;
    }

    public ParameterStore parameterStore() {
        return ps;
    }

    public DetrOutput student() {
        return student;
    }

    public TeacherKnowledge teacher() {
        return teacher;
    }

    public List<DetectionTarget> targets() {
        return targets;
    }

    public StageMapping mapping() {
        return mapping;
    }

    public DistillationAdapters adapters() {
        return adapters;
    }

    /** Teacher stage {@code t}'s boxes {@code (B, N_T, 4)} clipped to the image, as the reference distils them. */
    public NDArray teacherBoxes(int t) {
        return clippedTeacherBoxes.computeIfAbsent(
                t, stage -> BoxOps.clipToImage(teacher.boxes().get(stage).stopGradient()));
    }

    /** Per image, student stage {@code k}'s queries (rows) matched to its mapped teacher stage's (columns). */
    public List<Assignment> matches(int k) {
        return matches.computeIfAbsent(k, stage -> {
            int t = mapping.teacherStage(stage);
            return matcher.match(
                    student.queries().logits().get(stage),
                    student.queries().boxes().get(stage),
                    teacher.logits().get(t),
                    teacherBoxes(t));
        });
    }
}
