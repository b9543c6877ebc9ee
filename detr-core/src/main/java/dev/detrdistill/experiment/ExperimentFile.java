package dev.detrdistill.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.detrdistill.config.SettingGroup;
import dev.detrdistill.config.Settings;
import dev.detrdistill.data.NearbyFiles;
import dev.detrdistill.distill.DistillationSettings;
import dev.detrdistill.distill.InstanceDistillation;
import dev.detrdistill.distill.StageMappingOption;
import dev.detrdistill.train.TrainSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.stream.StreamSupport;

/**
 * The one experiment file format, read by {@code ./distill train --experiment}, by the trainer's student files and
 * by the demo: {@code name}, {@code model} (preset or detector YAML), {@code distillation} (term weights),
 * {@code train} (the keys of {@link TrainSettings}), {@code eval} and {@code output}. Every key is optional here;
 * an unknown key is an error naming the file and the keys it knows, so a typo never falls back to a default.
 *
 * @param name the experiment's name, or null
 * @param modelRef a preset name or a detector YAML path (resolved against the file's folder)
 * @param distillation the terms, or null when the file has no {@code distillation} section
 * @param train the training settings over the group's defaults
 * @param evalData dataset to evaluate on, or null
 */
public record ExperimentFile(
        String name,
        String modelRef,
        DistillationSettings distillation,
        Settings train,
        String evalData,
        String evalSplit,
        int evalMaxImages,
        String output) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> TOP = Set.of("name", "model", "distillation", "train", "eval", "output");
    private static final Set<String> DISTILL =
            Set.of("instance", "contrastive", "relation", "feature", "assignment", "classDistance", "stageMap");
    private static final Set<String> EVAL = Set.of("data", "split", "every", "maxImages");

    /** Reads {@code file} with {@code group}'s defaults for the {@code train} section. */
    public static ExperimentFile read(Path file, SettingGroup group) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "experiment file " + file + " does not exist" + NearbyFiles.describe(file, ".yaml"));
        }
        try {
            return parse(
                    YAML.readTree(Files.readString(file)),
                    file.toString(),
                    file.toAbsolutePath().getParent(),
                    group);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read experiment file " + file + ": " + e.getMessage(), e);
        }
    }

    /** @param base folder that relative paths ({@code model}, {@code eval.data}) are resolved against; null: none */
    public static ExperimentFile parse(JsonNode root, String where, Path base, SettingGroup group) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(where + ": expected a YAML mapping");
        }
        checkKeys(root, TOP, where);
        String modelRef = text(root, "model", null, where);
        if (modelRef != null && base != null && Files.isRegularFile(base.resolve(modelRef))) {
            modelRef = base.resolve(modelRef).toString();
        }
        JsonNode e = root.has("eval") ? root.get("eval") : null;
        String ew = where + " eval";
        if (e != null) {
            checkKeys(e, EVAL, ew);
        }
        Settings train = group.fromYaml(root.get("train"), group.defaults(), where + " train");
        if (e != null && e.hasNonNull("every")) {
            train = train.withText(
                    TrainSettings.EVAL_EVERY.key(), e.get("every").asText(), ew + " every");
        }
        String evalData = e == null ? null : text(e, "data", null, ew);
        if (evalData != null && base != null && Files.exists(base.resolve(evalData))) {
            evalData = base.resolve(evalData).normalize().toString();
        }
        String split = e == null ? "val" : text(e, "split", "val", ew);
        int maxImages = e == null || !e.hasNonNull("maxImages") ? 0 : wholeInt(e.get("maxImages"), "maxImages", ew);
        return new ExperimentFile(
                text(root, "name", null, where),
                modelRef,
                distillation(root.get("distillation"), where + " distillation"),
                train,
                evalData,
                split,
                maxImages,
                text(root, "output", null, where));
    }

    private static DistillationSettings distillation(JsonNode d, String where) {
        if (d == null || d.isNull()) {
            return null;
        }
        checkKeys(d, DISTILL, where);
        // Defaults are the reference's term set and weights: ld 1, cl 0.2, fd 1, ad 1; rel is an option.
        DistillationSettings s = new DistillationSettings(
                num(d, "instance", 1, where),
                num(d, "contrastive", 0.2f, where),
                num(d, "relation", 0, where),
                num(d, "feature", 1, where),
                num(d, "assignment", 1, where),
                InstanceDistillation.ClassDistance.valueOf(
                        text(d, "classDistance", "BCE", where).toUpperCase(Locale.ROOT)),
                null,
                null);
        JsonNode stageMap = d.get("stageMap");
        if (stageMap != null && !stageMap.isNull()) {
            String value = stageMap.isArray()
                    ? String.join(
                            ",",
                            StreamSupport.stream(stageMap.spliterator(), false)
                                    .map(JsonNode::asText)
                                    .toList())
                    : stageMap.asText();
            s = StageMappingOption.apply(s, value, where + " stageMap");
        }
        try {
            return s.validate();
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(where + ": " + ex.getMessage(), ex);
        }
    }

    private static void checkKeys(JsonNode node, Set<String> known, String where) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": expected a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                throw new IllegalArgumentException(where + ": unknown key '" + k + "'; known keys: "
                        + known.stream().sorted().toList());
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

    private static int wholeInt(JsonNode v, String key, String where) {
        if (v.canConvertToExactIntegral() && v.canConvertToInt()) {
            return v.asInt();
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
