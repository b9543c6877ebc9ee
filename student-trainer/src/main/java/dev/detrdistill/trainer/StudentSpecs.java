package dev.detrdistill.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.detrdistill.distill.DistillationSettings;
import dev.detrdistill.experiment.ExperimentFile;
import dev.detrdistill.model.DetectorConfigs;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.train.TrainOptions;
import dev.detrdistill.train.TrainSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads student files: the experiment file format ({@link ExperimentFile}) with the streamed students' training
 * defaults ({@link TrainSettings#STUDENT}); {@code name} is required and unique within a job.
 */
public final class StudentSpecs {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private StudentSpecs() {}

    public static List<StudentSpec> load(List<Path> files) {
        return load(files, List.of());
    }

    /** @param overrides {@code key=value} training settings applied to every student ({@code --set}) */
    public static List<StudentSpec> load(List<Path> files, List<String> overrides) {
        List<StudentSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Path f : files) {
            StudentSpec s = load(f, overrides);
            if (!names.add(s.name())) {
                throw new IllegalArgumentException(
                        "two students are named '" + s.name() + "' (" + f + "); names must be unique in a job");
            }
            out.add(s);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no student given; pass --student <file.yaml> at least once");
        }
        return out;
    }

    public static StudentSpec load(Path file) {
        return load(file, List.of());
    }

    public static StudentSpec load(Path file, List<String> overrides) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("student config " + file + " does not exist"
                    + dev.detrdistill.data.NearbyFiles.describe(file, ".yaml"));
        }
        try {
            return parse(
                    YAML.readTree(Files.readString(file)),
                    file.toString(),
                    file.toAbsolutePath().getParent(),
                    overrides);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read student config " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param base folder that relative paths in the file ({@code model}, {@code eval.data}, {@code output}) are
     * resolved against
     */
    public static StudentSpec parse(JsonNode root, String where, Path base) {
        return parse(root, where, base, List.of());
    }

    /** As above, with {@code key=value} overrides of the training settings ({@code --set}). */
    public static StudentSpec parse(JsonNode root, String where, Path base, List<String> overrides) {
        ExperimentFile f = ExperimentFile.parse(root, where, base, TrainSettings.STUDENT);
        String name = f.name();
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException(
                    where + ": 'name' is required: 1-64 letters, digits, '.', '_' or '-' (got " + name + ")");
        }
        DetrConfig model = DetectorConfigs.read(f.modelRef() == null ? "student" : f.modelRef());
        DistillationSettings distill = f.distillation() == null ? DistillationSettings.none() : f.distillation();
        TrainOptions train = TrainSettings.options(TrainSettings.STUDENT.overrides(overrides, f.train(), "--set"));
        train.withSteps(Math.max(1, train.steps())).validate();
        StudentSpec.EvalSpec eval = new StudentSpec.EvalSpec(f.evalData(), f.evalSplit(), f.evalMaxImages());
        String output = f.output() == null ? "runs/students/" + name : f.output();
        try {
            model.withNumClasses(Math.max(1, model.numClasses())).validate();
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(where + ": " + ex.getMessage(), ex);
        }
        return new StudentSpec(name, model, distill, train, eval, output);
    }

    /** The spec as JSON: how the job ships it to task managers (records, so no Java serialization). */
    public static String toJson(StudentSpec s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise student " + s.name(), e);
        }
    }

    public static StudentSpec fromJson(String json) {
        try {
            return JSON.readValue(json, StudentSpec.class);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read shipped student spec: " + e.getMessage(), e);
        }
    }
}
