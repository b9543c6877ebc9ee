package dev.detrdistill.producer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.model.DecoderType;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.model.DetrOutput;
import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.stream.RecordSerdes;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * A producer that runs slowly (a pause per batch), for the fencing and kill drills: in a child JVM it is killed with
 * SIGKILL mid-run; in threads two of it race on one topic. Args: bootstrap servers, registry URL, data folder, topic.
 */
public final class SlowProducerMain {
    private SlowProducerMain() {}

    static DetrModel teacher(NDManager m) {
        Engine.getInstance().setRandomSeed(1);
        return new DetrModel(DetrConfig.builder()
                        .backboneWidths(List.of(8, 16, 16))
                        .hiddenDim(32)
                        .numHeads(4)
                        .ffnDim(64)
                        .encoderLayers(1)
                        .decoderLayers(2)
                        .numQueries(6)
                        .numClasses(3)
                        .decoder(DecoderType.DAB)
                        .imageSize(32)
                        .build())
                .initializeParameters(m);
    }

    /** Our checkpoint teacher, paused {@code pauseMs} per batch. */
    static TeacherRunner slow(DetrModel model, long pauseMs) {
        CheckpointTeacher inner = new CheckpointTeacher(model);
        return new TeacherRunner() {
            @Override
            public DetrOutput forward(NDArray images) {
                try {
                    Thread.sleep(pauseMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return inner.forward(images);
            }

            @Override
            public int imageSize() {
                return inner.imageSize();
            }

            @Override
            public TeacherCard card(List<String> classNames, String teacherId, int version) throws IOException {
                return inner.card(classNames, teacherId, version);
            }
        };
    }

    static ProduceSummary produce(RecordSerdes serdes, Path data, String topic, long pauseMs) throws IOException {
        DetectionDataset ds = DatasetLoader.load(data, "train");
        try (NDManager m = NDManager.newBaseManager()) {
            return TeacherProducer.builder()
                    .serdes(serdes)
                    .topic(topic)
                    .teacher("t", 1)
                    .encodings(EncodingPolicy.uniform(TensorEncoding.FP16))
                    .views(2)
                    .batchSize(2)
                    .batchesPerTransaction(2)
                    .partitions(2)
                    .log(new PrintStream(OutputStream.nullOutputStream()))
                    .build()
                    .run(slow(teacher(m), pauseMs), ds.classNames(), ds);
        }
    }

    public static void main(String[] args) throws Exception {
        AvroTrust.trustRecordClasses();
        produce(RecordSerdes.of(args[0], args[1]), Path.of(args[2]), args[3], 150);
    }
}
