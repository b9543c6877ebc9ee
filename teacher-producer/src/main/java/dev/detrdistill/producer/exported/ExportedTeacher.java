package dev.detrdistill.producer.exported;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.model.DetrOutput;
import dev.detrdistill.producer.TeacherCardFactory;
import dev.detrdistill.producer.TeacherRunner;
import dev.detrdistill.records.TeacherCard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A teacher file exported elsewhere (TorchScript or ONNX) that follows {@link TeacherContract}. Subclasses only
 * run the file; the contract, the card and the checks are here.
 */
public abstract class ExportedTeacher implements TeacherRunner {
    private final Path file;
    private final int imageSize;

    protected ExportedTeacher(Path file, int imageSize) {
        if (imageSize < 32 || imageSize > 4096) {
            throw new IllegalArgumentException(
                    "image size of teacher " + file + " must be 32..4096 pixels, got " + imageSize);
        }
        this.file = file;
        this.imageSize = imageSize;
    }

    /**
     * Opens a TorchScript ({@code .pt}, {@code .pth}, {@code .torchscript}) or ONNX ({@code .onnx}) teacher by its
     * extension.
     */
    public static ExportedTeacher open(Path file, int imageSize) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("teacher file " + file + " does not exist or is not a file");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".onnx")) {
            return OnnxTeacher.load(file, imageSize);
        }
        if (name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".torchscript")) {
            return TorchScriptTeacher.load(file, imageSize);
        }
        throw new IOException(
                "teacher file " + file + ": unknown format; use .pt/.pth/.torchscript (TorchScript) or .onnx");
    }

    /** Runs the file on a normalised batch; outputs in the contract's order, owned by the batch's manager. */
    protected abstract NDList run(NDArray images);

    /** "torchscript" or "onnx", for the card. */
    protected abstract String format();

    @Override
    public final DetrOutput forward(NDArray images) {
        return TeacherContract.parse(run(images));
    }

    @Override
    public final int imageSize() {
        return imageSize;
    }

    public Path file() {
        return file;
    }

    /** The card from a probe forward pass on a blank image: stages, queries and widths come from the output shapes. */
    @Override
    public final TeacherCard card(List<String> classNames, String teacherId, int version) throws IOException {
        try (NDManager m = dev.detrdistill.model.Devices.newManager()) {
            DetrOutput probe = forward(m.zeros(new Shape(1, 3, imageSize, imageSize)));
            int k = probe.queries().numStages();
            Shape logits = probe.queries().logits().get(0).getShape();
            long n = logits.get(1);
            long c = logits.get(2);
            long d = probe.queries().embeddings().get(0).getShape().get(2);
            if (c != classNames.size()) {
                throw new IllegalArgumentException("teacher " + file + " predicts " + c + " classes; the data has "
                        + classNames.size() + " " + classNames);
            }
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("format", format());
            config.put("file", file.getFileName().toString());
            config.put("decoderLayers", k);
            config.put("numQueries", n);
            config.put("numClasses", c);
            config.put("hiddenDim", d);
            config.put("featureLevels", probe.features().size());
            config.put("imageSize", imageSize);
            return TeacherCardFactory.card(
                    teacherId,
                    version,
                    new ObjectMapper().writeValueAsString(config),
                    classNames,
                    k,
                    (int) n,
                    (int) d,
                    imageSize,
                    probe.queryPrior());
        }
    }
}
