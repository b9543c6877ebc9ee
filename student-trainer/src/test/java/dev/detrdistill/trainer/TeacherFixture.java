package dev.detrdistill.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.detrdistill.data.Batches;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.data.ImageEntry;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.data.ViewParams;
import dev.detrdistill.data.ViewTransform;
import dev.detrdistill.distill.DistillationSettings;
import dev.detrdistill.distill.FeatureMask;
import dev.detrdistill.distill.OnlineTeacher;
import dev.detrdistill.distill.TeacherKnowledge;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DecoderType;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.producer.EncodingPolicy;
import dev.detrdistill.producer.TeacherCardFactory;
import dev.detrdistill.producer.TeacherRecordFactory;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.stream.ClaimCheck;
import dev.detrdistill.train.TrainOptions;
import dev.detrdistill.train.TrainSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A small random teacher, its card and its records built in memory (no Kafka): shared by the trainer's tests. */
public final class TeacherFixture {
    public static final int SIZE = 32;

    private TeacherFixture() {}

    public static DetrModel teacher(NDManager m, int numClasses) {
        Engine.getInstance().setRandomSeed(1);
        return new DetrModel(DetrConfig.builder()
                        .backboneWidths(List.of(8, 16, 16))
                        .blocksPerStage(0)
                        .hiddenDim(32)
                        .numHeads(4)
                        .ffnDim(64)
                        .encoderLayers(1)
                        .decoderLayers(2)
                        .numQueries(6)
                        .numClasses(numClasses)
                        .decoder(DecoderType.DAB)
                        .imageSize(SIZE)
                        .build())
                .initializeParameters(m);
    }

    public static DetrConfig studentModel() {
        return DetrConfig.builder()
                .backboneWidths(List.of(8, 8, 16))
                .blocksPerStage(0)
                .hiddenDim(16)
                .numHeads(2)
                .ffnDim(32)
                .encoderLayers(1)
                .decoderLayers(1)
                .numQueries(4)
                .numClasses(0)
                .decoder(DecoderType.DAB)
                .imageSize(SIZE)
                .build();
    }

    public static TeacherCard card(DetrModel teacher, DetectionDataset data) throws IOException {
        return TeacherCardFactory.create(teacher, data.classNames(), "t", 1);
    }

    /** Plain (view 0) records of every image, as the producer would publish them. */
    public static List<TeacherRecord> records(DetrModel teacher, DetectionDataset data, NDManager m)
            throws IOException {
        TeacherRecordFactory factory =
                new TeacherRecordFactory(data.name(), "t", 1, EncodingPolicy.uniform(TensorEncoding.FP32));
        SetCriterion criterion = new SetCriterion(LossWeights.defaults());
        List<TeacherRecord> out = new ArrayList<>();
        for (ImageEntry e : data.images()) {
            byte[] bytes = Files.readAllBytes(e.file());
            ImageView view = ViewTransform.apply(e, ImageCache.read(e), ViewParams.identity(SIZE));
            try (NDManager step = m.newSubManager()) {
                NDArray images = Batches.images(step, List.of(view));
                TeacherKnowledge k = OnlineTeacher.fromOutput(
                        new dev.detrdistill.producer.CheckpointTeacher(teacher).forward(images),
                        Batches.targets(List.of(view)),
                        criterion,
                        FeatureMask.Kind.COSINE);
                out.add(factory.create(k, 0, e, view, 0, bytes, ClaimCheck.sha256(bytes)));
            }
        }
        return out;
    }

    public static StudentSpec student(String name, boolean distill, int batch, Path out, Path evalData) {
        TrainOptions train = TrainSettings.options(TrainSettings.STUDENT
                .defaults()
                .with(TrainSettings.BATCH, batch)
                .with(TrainSettings.WARMUP, 2)
                .with(TrainSettings.LOG_EVERY, 1)
                .with(TrainSettings.SEED, 7L));
        return new StudentSpec(
                name,
                studentModel(),
                distill ? DistillationSettings.all() : DistillationSettings.none(),
                train,
                evalData == null
                        ? StudentSpec.EvalSpec.none()
                        : new StudentSpec.EvalSpec(evalData.toString(), "val", 0),
                out.resolve(name).toString());
    }
}
