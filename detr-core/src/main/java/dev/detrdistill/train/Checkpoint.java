package dev.detrdistill.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.detrdistill.model.DetrModel;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A checkpoint folder: {@code checkpoint.json} (config, classes, step, options), {@code model.params}
 * (DJL parameters, BatchNorm statistics included), {@code optimizer.bin} (AdamW moments) and, with a weight
 * average, {@code training.params} (the optimizer's own weights; {@code model.params} is the average). Written to a
 * temporary folder and moved into place, so a crash never leaves a half-written checkpoint.
 */
public final class Checkpoint {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    public static final String META = "checkpoint.json";
    public static final String PARAMS = "model.params";
    public static final String OPTIMIZER = "optimizer.bin";
    public static final String ADAPTERS = "adapters.params";
    /** The optimizer's own weights when {@code model.params} holds a weight average. */
    public static final String TRAINING_PARAMS = "training.params";
    /** State of a training-only extra loss that is not a parameter (box denoising's random generator). */
    public static final String EXTRA_STATE = "extra.state";

    private Checkpoint() {}

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(META)) && Files.isRegularFile(dir.resolve(PARAMS));
    }

    public static void save(Path dir, CheckpointMeta meta, DetrModel model, AdamW optimizer) throws IOException {
        save(dir, meta, model, optimizer, null);
    }

    /** Also saves distillation adapters (needed to resume a distillation run exactly; not for inference). */
    public static void save(Path dir, CheckpointMeta meta, DetrModel model, AdamW optimizer, Block adapters)
            throws IOException {
        save(dir, meta, model, optimizer, adapters, null, null);
    }

    /**
     * With a weight average, {@code model.params} holds the averaged weights (what evaluation, detection and a
     * teacher use) and {@code training.params} the optimizer's own, to resume from.
     */
    public static void save(
            Path dir,
            CheckpointMeta meta,
            DetrModel model,
            AdamW optimizer,
            Block adapters,
            WeightAverage average,
            byte[] extraState)
            throws IOException {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        deleteRecursively(tmp);
        Files.createDirectories(tmp);
        JSON.writeValue(tmp.resolve(META).toFile(), meta);
        if (average == null) {
            writeParameters(tmp.resolve(PARAMS), model);
        } else {
            writeParameters(tmp.resolve(TRAINING_PARAMS), model);
            average.swapIn(model.getParameters());
            try {
                writeParameters(tmp.resolve(PARAMS), model);
            } finally {
                average.restore(model.getParameters());
            }
        }
        if (extraState != null) {
            Files.write(tmp.resolve(EXTRA_STATE), extraState);
        }
        if (adapters != null) {
            writeParameters(tmp.resolve(ADAPTERS), adapters);
        }
        if (optimizer != null) {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp.resolve(OPTIMIZER)))) {
                optimizer.save(out);
            }
        }
        Path old = dir.resolveSibling(dir.getFileName() + ".old");
        deleteRecursively(old);
        if (Files.exists(dir)) {
            Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        deleteRecursively(old);
    }

    private static void writeParameters(Path file, Block block) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            block.saveParameters(out);
        }
    }

    /** The extra loss's saved state ({@code extra.state}, e.g. box denoising's generator position); null if none. */
    public static byte[] readExtraState(Path dir) throws IOException {
        Path file = dir.resolve(EXTRA_STATE);
        return Files.exists(file) ? Files.readAllBytes(file) : null;
    }

    /** Whether the checkpoint was written with a weight average (and so holds {@code training.params}). */
    public static boolean hasWeightAverage(Path dir) {
        return Files.isRegularFile(dir.resolve(TRAINING_PARAMS));
    }

    /** Loads the optimizer's own weights of a checkpoint written with a weight average, to resume it. */
    public static void loadTrainingParameters(Path dir, DetrModel model, NDManager manager) throws IOException {
        Path file = dir.resolve(TRAINING_PARAMS);
        if (!Files.exists(file)) {
            throw new IOException("checkpoint " + dir + " has no " + TRAINING_PARAMS
                    + ": it was written without a weight average (--ema)");
        }
        readModelParameters(dir, file, model, manager);
    }

    public static CheckpointMeta readMeta(Path dir) throws IOException {
        if (!exists(dir)) {
            throw new IOException("no checkpoint at " + dir + " (expected " + META + " and " + PARAMS + ")");
        }
        return JSON.readValue(dir.resolve(META).toFile(), CheckpointMeta.class);
    }

    /** Builds the model the checkpoint describes and loads its weights. */
    public static DetrModel loadModel(Path dir, NDManager manager) throws IOException {
        CheckpointMeta meta = readMeta(dir);
        DetrModel model = new DetrModel(meta.config()).initializeParameters(manager);
        loadParameters(dir, model, manager);
        return model;
    }

    public static void loadParameters(Path dir, DetrModel model, NDManager manager) throws IOException {
        readModelParameters(dir, dir.resolve(PARAMS), model, manager);
    }

    /** One parameter file of checkpoint {@code dir} into the model; trainable parameters record gradients again. */
    private static void readModelParameters(Path dir, Path file, DetrModel model, NDManager manager)
            throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            model.loadParameters(manager, in);
        } catch (MalformedModelException e) {
            throw new IOException("checkpoint " + dir + " does not fit its config: " + e.getMessage(), e);
        }
        requireGradients(model);
    }

    /**
     * A block's parameters (BatchNorm statistics included) in DJL's format, for state that is not a folder (Flink
     * state).
     */
    public static byte[] parameterBytes(Block block) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            block.saveParameters(out);
        }
        return bytes.toByteArray();
    }

    /** Restores {@link #parameterBytes(Block)}; trainable parameters record gradients again. */
    public static void loadParameterBytes(Block block, byte[] data, NDManager manager) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
            block.loadParameters(manager, in);
        } catch (MalformedModelException e) {
            throw new IOException("saved parameters do not fit this block: " + e.getMessage(), e);
        }
        requireGradients(block);
    }

    /** Loaded arrays are plain tensors; trainable parameters must record gradients again. */
    private static void requireGradients(Block block) {
        for (var p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                p.getValue().getArray().setRequiresGradient(true);
            }
        }
    }

    /** Restores adapters saved with {@link #save(Path, CheckpointMeta, DetrModel, AdamW, Block)}. */
    public static void loadAdapters(Path dir, Block adapters, NDManager manager) throws IOException {
        Path file = dir.resolve(ADAPTERS);
        if (!Files.exists(file)) {
            throw new IOException(
                    "checkpoint " + dir + " has no distillation adapters; it was not written by a distillation run");
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            adapters.loadParameters(manager, in);
        } catch (MalformedModelException e) {
            throw new IOException("adapters in " + dir + " do not fit this student/teacher pair: " + e.getMessage(), e);
        }
        requireGradients(adapters);
    }

    public static void loadOptimizer(Path dir, AdamW optimizer) throws IOException {
        Path file = dir.resolve(OPTIMIZER);
        if (!Files.exists(file)) {
            throw new IOException("checkpoint " + dir + " has no optimizer state; it cannot be resumed");
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            optimizer.load(in);
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
