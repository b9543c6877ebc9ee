package dev.detrdistill.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a {@link DetrConfig} from a YAML/JSON file or a built-in preset name ({@link #PRESETS}). */
public final class DetectorConfigs {
    /** The built-in presets ({@code configs/<name>.yaml}; docs/configuration.md describes each). */
    public static final java.util.List<String> PRESETS = java.util.List.of(
            "teacher",
            "student",
            "tiny",
            "teacher-pretrained",
            "teacher-pretrained-s8",
            "teacher-pretrained-s8-320",
            "student-pretrained");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private DetectorConfigs() {}

    /**
     * @param numClasses used when the config says {@code numClasses: 0} (take it from the data)
     */
    public static DetrConfig load(String fileOrPreset, int numClasses) {
        DetrConfig c = read(fileOrPreset);
        if (c.numClasses() == 0) {
            c = c.withNumClasses(numClasses);
        }
        try {
            return c.validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(fileOrPreset + ": " + e.getMessage(), e);
        }
    }

    public static DetrConfig read(String fileOrPreset) {
        Path file = Path.of(fileOrPreset);
        try {
            if (Files.isRegularFile(file)) {
                return YAML.readValue(file.toFile(), DetrConfig.class);
            }
            try (InputStream in = DetectorConfigs.class.getResourceAsStream("/configs/" + fileOrPreset + ".yaml")) {
                if (in == null) {
                    boolean looksLikeFile = fileOrPreset.contains("/")
                            || fileOrPreset.endsWith(".yaml")
                            || fileOrPreset.endsWith(".yml");
                    throw new IllegalArgumentException("detector config '" + fileOrPreset
                            + "' is neither a file nor a preset (presets: " + String.join(", ", PRESETS) + ")"
                            + (looksLikeFile ? dev.detrdistill.data.NearbyFiles.describe(file, ".yaml") : ""));
                }
                return YAML.readValue(in, DetrConfig.class);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read detector config " + fileOrPreset + ": " + e.getMessage(), e);
        }
    }
}
