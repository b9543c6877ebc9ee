package dev.detrdistill.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.detrdistill.distill.DistillationSettings;
import dev.detrdistill.distill.StageMappingOption;
import dev.detrdistill.distill.InstanceDistillation;
import dev.detrdistill.model.DetectorConfigs;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.train.LearningRateSchedule;
import dev.detrdistill.train.TrainOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads student YAML files. Every key is optional except {@code name}; an unknown key is an error that
 * names the file and the keys it knows, so a typo never silently falls back to a default.
 */
public final class StudentSpecs {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOP = Set.of("name", "model", "distillation", "train", "eval", "output");
    private static final Set<String> DISTILL = Set.of("instance", "contrastive", "relation", "feature", "assignment", "classDistance", "stageMap");
    private static final Set<String> TRAIN = Set.of("batchSize", "lr", "weightDecay", "warmupSteps", "schedule", "clipNorm",
            "steps", "seed", "logEvery", "checkpointEvery");
    private static final Set<String> EVAL = Set.of("data", "split", "every", "maxImages");

    private StudentSpecs() {}

    public static List<StudentSpec> load(List<Path> files) {
        List<StudentSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Path f : files) {
            StudentSpec s = load(f);
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("two students are named '" + s.name() + "' (" + f + "); names must be unique in a job");
            }
            out.add(s);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no student given; pass --student <file.yaml> at least once");
        }
        return out;
    }

    public static StudentSpec load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("student config " + file + " does not exist" + dev.detrdistill.data.NearbyFiles.describe(file, ".yaml"));
        }
        try {
            return parse(YAML.readTree(Files.readString(file)), file.toString(), file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read student config " + file + ": " + e.getMessage(), e);
        }
    }

    /** @param base folder that relative paths in the file ({@code model}, {@code eval.data}, {@code output}) are resolved against */
    public static StudentSpec parse(JsonNode root, String where, Path base) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(where + ": expected a YAML mapping with at least 'name'");
        }
        checkKeys(root, TOP, where);
        String name = text(root, "name", null, where);
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException(where + ": 'name' is required: 1-64 letters, digits, '.', '_' or '-' (got " + name + ")");
        }
        String modelRef = text(root, "model", "student", where);
        Path modelFile = base == null ? null : base.resolve(modelRef);
        DetrConfig model = DetectorConfigs.read(modelFile != null && Files.isRegularFile(modelFile) ? modelFile.toString() : modelRef);

        DistillationSettings distill = DistillationSettings.none();
        JsonNode d = root.get("distillation");
        if (d != null && !d.isNull()) {
            String dw = where + " distillation";
            checkKeys(d, DISTILL, dw);
            // Defaults are the reference's term set and weights: ld 1, cl 0.2, fd 1, ad 1; rel is an option.
            distill = new DistillationSettings(num(d, "instance", 1, dw), num(d, "contrastive", 0.2f, dw), num(d, "relation", 0, dw),
                    num(d, "feature", 1, dw), num(d, "assignment", 1, dw),
                    InstanceDistillation.ClassDistance.valueOf(text(d, "classDistance", "BCE", dw).toUpperCase(Locale.ROOT)), null, null);
            JsonNode stageMap = d.get("stageMap");
            if (stageMap != null && !stageMap.isNull()) {
                String value = stageMap.isArray() ? String.join(",", java.util.stream.StreamSupport.stream(stageMap.spliterator(), false)
                        .map(JsonNode::asText).toList()) : stageMap.asText();
                distill = StageMappingOption.apply(distill, value, dw + " stageMap");
            }
            try {
                distill.validate();
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(dw + ": " + ex.getMessage(), ex);
            }
        }

        TrainOptions defaults = TrainOptions.defaults();
        JsonNode t = root.has("train") ? root.get("train") : JSON.createObjectNode();
        String tw = where + " train";
        checkKeys(t, TRAIN, tw);
        JsonNode e = root.has("eval") ? root.get("eval") : JSON.createObjectNode();
        String ew = where + " eval";
        checkKeys(e, EVAL, ew);
        TrainOptions train = new TrainOptions(whole(t, "steps", 0, tw), whole(t, "batchSize", 8, tw),
                num(t, "lr", 1e-3f, tw), num(t, "weightDecay", defaults.weightDecay(), tw), whole(t, "warmupSteps", 50, tw),
                LearningRateSchedule.Kind.valueOf(text(t, "schedule", "COSINE", tw).toUpperCase(Locale.ROOT)),
                num(t, "clipNorm", defaults.clipNorm(), tw), defaults.minScale(), defaults.maxScale(), defaults.flipProb(),
                whole(e, "every", 0, ew), whole(t, "checkpointEvery", 0, tw), whole(t, "logEvery", 10, tw),
                wholeLong(t, "seed", 42, tw));
        if (train.steps() < 0) {
            throw new IllegalArgumentException(tw + ": steps=" + train.steps() + " is out of range; expected 0 (from the replay) or more");
        }
        train.withSteps(Math.max(1, train.steps())).validate();

        String evalData = text(e, "data", null, ew);
        if (evalData != null && base != null && Files.exists(base.resolve(evalData))) {
            evalData = base.resolve(evalData).normalize().toString();
        }
        StudentSpec.EvalSpec eval = new StudentSpec.EvalSpec(evalData, text(e, "split", "val", ew), whole(e, "maxImages", 0, ew));
        String output = text(root, "output", "runs/students/" + name, where);
        try {
            distill.validate();
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

    private static void checkKeys(JsonNode node, Set<String> known, String where) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": expected a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!known.contains(k)) {
                throw new IllegalArgumentException(where + ": unknown key '" + k + "'; known keys: " + known.stream().sorted().toList());
            }
        }
    }

    private static String text(JsonNode n, String key, String dflt, String where) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isValueNode()) {
            throw new IllegalArgumentException(where + ": '" + key + "' must be a single value");
        }
        return v.asText();
    }

    private static int whole(JsonNode n, String key, int dflt, String where) {
        long v = wholeLong(n, key, dflt, where);
        if (v != (int) v) {
            throw new IllegalArgumentException(where + ": '" + key + "' = " + v + " does not fit an int");
        }
        return (int) v;
    }

    /** Counts, steps and seeds: whole numbers only (8.5 or a 20-digit seed must not be rounded silently). */
    private static long wholeLong(JsonNode n, String key, long dflt, String where) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (v.canConvertToExactIntegral() && v.canConvertToLong()) {
            return v.asLong();
        }
        if (v.isTextual()) {
            try {
                return Long.parseLong(v.asText().trim());
            } catch (NumberFormatException ex) {
                // reported below
            }
        }
        throw new IllegalArgumentException(where + ": '" + key + "' must be a whole number, got '" + v.asText() + "'");
    }

    private static float num(JsonNode n, String key, float dflt, String where) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (v.isNumber()) {
            return v.floatValue();
        }
        try {
            return Float.parseFloat(v.asText()); // YAML reads 1e-3 (no dot) as a string
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException(where + ": '" + key + "' must be a number, got '" + v.asText() + "'");
        }
    }
}
