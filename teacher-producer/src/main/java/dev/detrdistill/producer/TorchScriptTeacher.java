package dev.detrdistill.producer;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import dev.detrdistill.model.DecoderOutput;
import dev.detrdistill.model.DetrOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A teacher from a TorchScript file that follows the output contract of docs/torchscript-teacher.md:
 * input one tensor {@code (B, 3, S, S)} normalised like our views; output a flat tuple
 * {@code (logits_1..K, boxes_1..K, embeddings_1..K, features, query_prior)} with logits
 * {@code (B,N,C)}, boxes {@code (B,N,4)} sigmoid cxcywh, embeddings {@code (B,N,d)}, features
 * {@code (B,d,h,w)} (the map that enters the encoder, after the input projection) and the prior
 * {@code (N,P)}; so {@code 3K + 2} tensors.
 */
public final class TorchScriptTeacher implements TeacherRunner {
    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;

    private final Path file;
    private final int imageSize;

    private TorchScriptTeacher(ZooModel<NDList, NDList> model, Path file, int imageSize) {
        this.model = model;
        this.predictor = model.newPredictor();
        this.file = file;
        this.imageSize = imageSize;
    }

    /** @param imageSize the square input side the TorchScript model expects */
    public static TorchScriptTeacher load(Path file, int imageSize) throws IOException {
        try {
            Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(file)
                    .optEngine("PyTorch").optTranslator(new NoopTranslator()).build();
            return new TorchScriptTeacher(criteria.loadModel(), file, imageSize);
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new IOException("cannot load TorchScript teacher " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int imageSize() {
        return imageSize;
    }

    /** The card from a probe forward pass on a blank image: stages, queries and widths come from the output shapes. */
    @Override
    public dev.detrdistill.records.TeacherCard card(List<String> classNames, String teacherId, int version) throws IOException {
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            DetrOutput probe = forward(m.zeros(new ai.djl.ndarray.types.Shape(1, 3, imageSize, imageSize)));
            int k = probe.queries().numStages();
            long n = probe.queries().logits().get(0).getShape().get(1);
            long c = probe.queries().logits().get(0).getShape().get(2);
            long d = probe.queries().embeddings().get(0).getShape().get(2);
            if (c != classNames.size()) {
                throw new IllegalArgumentException("TorchScript teacher " + file + " predicts " + c + " classes; the data has " + classNames.size());
            }
            String config = "{\"torchscript\":\"" + file.getFileName() + "\",\"decoderLayers\":" + k + ",\"numQueries\":" + n
                    + ",\"numClasses\":" + c + ",\"hiddenDim\":" + d + ",\"imageSize\":" + imageSize + "}";
            return dev.detrdistill.records.TeacherCard.newBuilder()
                    .setTeacherId(teacherId).setTeacherVersion(version).setConfigJson(config).setClassNames(classNames)
                    .setNumStages(k).setNumQueries((int) n).setHiddenDim((int) d).setInputSize(imageSize)
                    .setPixelMean(dev.detrdistill.records.TensorCodec.encode(new float[] {0.485f, 0.456f, 0.406f}, new int[] {3},
                            dev.detrdistill.records.TensorEncoding.FP32))
                    .setPixelStd(dev.detrdistill.records.TensorCodec.encode(new float[] {0.229f, 0.224f, 0.225f}, new int[] {3},
                            dev.detrdistill.records.TensorEncoding.FP32))
                    .setQueryPrior(TeacherRecordFactory.tensor(probe.queryPrior(), dev.detrdistill.records.TensorEncoding.FP32, 1))
                    .setCreatedAtMs(System.currentTimeMillis())
                    .setFeatureSource(TeacherCardFactory.ENCODER_INPUT)
                    .build();
        }
    }

    @Override
    public DetrOutput forward(NDArray images) {
        try {
            return fromContract(predictor.predict(new NDList(images)));
        } catch (TranslateException e) {
            throw new IllegalStateException("TorchScript teacher failed on a batch of shape " + images.getShape() + ": " + e.getMessage(), e);
        }
    }

    /** Maps the contract's flat output list onto {@link DetrOutput}, checking counts and shapes. */
    public static DetrOutput fromContract(NDList out) {
        int n = out.size();
        if (n < 5 || (n - 2) % 3 != 0) {
            throw new IllegalArgumentException("TorchScript teacher returned " + n + " tensors; the contract is 3K + 2 "
                    + "(logits, boxes, embeddings per stage, then features and query prior)");
        }
        int k = (n - 2) / 3;
        List<NDArray> logits = new ArrayList<>(out.subList(0, k));
        List<NDArray> boxes = new ArrayList<>(out.subList(k, 2 * k));
        List<NDArray> emb = new ArrayList<>(out.subList(2 * k, 3 * k));
        NDArray features = out.get(3 * k);
        NDArray prior = out.get(3 * k + 1);
        for (int s = 0; s < k; s++) {
            long b = logits.get(s).getShape().get(0);
            long q = logits.get(s).getShape().get(1);
            check(logits.get(s), 3, b, q, -1, "logits", s);
            check(boxes.get(s), 3, b, q, 4, "boxes", s);
            check(emb.get(s), 3, b, q, -1, "embeddings", s);
        }
        if (features.getShape().dimension() != 4) {
            throw new IllegalArgumentException("TorchScript teacher features must be (B,d,h,w), got " + features.getShape());
        }
        if (prior.getShape().dimension() != 2) {
            throw new IllegalArgumentException("TorchScript teacher query prior must be (N,P), got " + prior.getShape());
        }
        return new DetrOutput(new DecoderOutput(logits, boxes, emb), Optional.empty(), List.of(features), prior);
    }

    private static void check(NDArray a, int dims, long b, long q, long last, String what, int stage) {
        var s = a.getShape();
        if (s.dimension() != dims || s.get(0) != b || s.get(1) != q || (last > 0 && s.get(2) != last)) {
            throw new IllegalArgumentException("TorchScript teacher " + what + " of stage " + (stage + 1) + " has shape " + s
                    + "; expected (" + b + ", " + q + (last > 0 ? ", " + last : ", *") + ")");
        }
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
    }
}
