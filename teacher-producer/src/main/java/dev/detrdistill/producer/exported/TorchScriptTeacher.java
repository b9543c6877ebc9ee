package dev.detrdistill.producer.exported;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.nio.file.Path;

/** A teacher from a TorchScript file (loaded by DJL's PyTorch engine) that follows {@link TeacherContract}. */
public final class TorchScriptTeacher extends ExportedTeacher {
    private final ZooModel<NDList, NDList> model;

    private TorchScriptTeacher(ZooModel<NDList, NDList> model, Path file, int imageSize) {
        super(file, imageSize);
        this.model = model;
    }

    /** @param imageSize the square input side the file was exported for */
    public static TorchScriptTeacher load(Path file, int imageSize) throws IOException {
        try {
            Criteria<NDList, NDList> criteria = Criteria.builder()
                    .setTypes(NDList.class, NDList.class)
                    .optModelPath(file)
                    .optEngine("PyTorch")
                    .optDevice(dev.detrdistill.model.Devices.current())
                    .optTranslator(new NoopTranslator())
                    .build();
            return new TorchScriptTeacher(criteria.loadModel(), file, imageSize);
        } catch (ModelNotFoundException | MalformedModelException | RuntimeException e) {
            throw new IOException("cannot load TorchScript teacher " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected NDList run(NDArray images) {
        try {
            // The block directly, not a Predictor: outputs then belong to the batch's manager and close with it.
            NDList out =
                    model.getBlock().forward(new ParameterStore(images.getManager(), false), new NDList(images), false);
            out.attach(images.getManager());
            return out;
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "TorchScript teacher " + file() + " failed on a batch of shape " + images.getShape() + ": "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    protected String format() {
        return "torchscript";
    }

    @Override
    public void close() {
        model.close();
    }
}
