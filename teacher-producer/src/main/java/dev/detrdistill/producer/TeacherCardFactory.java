package dev.detrdistill.producer;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.records.FeatureSources;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TensorCodec;
import dev.detrdistill.records.TensorEncoding;
import java.io.IOException;
import java.util.List;

/** The once-per-teacher-version card: config, classes, normalisation and the learned query prior (FP32). */
public final class TeacherCardFactory {
    private TeacherCardFactory() {}

    public static TeacherCard create(DetrModel teacher, List<String> classNames, String teacherId, int version)
            throws IOException {
        var c = teacher.config();
        return card(
                teacherId,
                version,
                new ObjectMapper().writeValueAsString(c),
                classNames,
                c.decoderLayers(),
                c.numQueries(),
                c.hiddenDim(),
                c.imageSize(),
                teacher.getParameters().get("query_prior").getArray());
    }

    /**
     * The card of any teacher, ours or exported: what the producer and the trainer read from it, the ImageNet
     * normalisation every teacher's input uses, and the prior in FP32.
     */
    public static TeacherCard card(
            String teacherId,
            int version,
            String configJson,
            List<String> classNames,
            int numStages,
            int numQueries,
            int hiddenDim,
            int inputSize,
            NDArray queryPrior) {
        return TeacherCard.newBuilder()
                .setTeacherId(teacherId)
                .setTeacherVersion(version)
                .setConfigJson(configJson)
                .setClassNames(classNames)
                .setNumStages(numStages)
                .setNumQueries(numQueries)
                .setHiddenDim(hiddenDim)
                .setInputSize(inputSize)
                .setPixelMean(
                        TensorCodec.encode(new float[] {0.485f, 0.456f, 0.406f}, new int[] {3}, TensorEncoding.FP32))
                .setPixelStd(
                        TensorCodec.encode(new float[] {0.229f, 0.224f, 0.225f}, new int[] {3}, TensorEncoding.FP32))
                .setQueryPrior(TeacherRecordFactory.tensor(queryPrior, TensorEncoding.FP32, 1))
                .setCreatedAtMs(System.currentTimeMillis())
                .setFeatureSource(FeatureSources.ENCODER_INPUT)
                .build();
    }
}
