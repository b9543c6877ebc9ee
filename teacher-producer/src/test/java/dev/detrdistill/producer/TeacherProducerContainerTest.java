package dev.detrdistill.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.model.DecoderType;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.stack.EmbeddedRegistry;
import dev.detrdistill.stream.RecordSerdes;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The producer against a real Kafka broker in a container. Skipped where no Docker engine runs (as on
 * the development and CI machines); {@link TeacherProducerKafkaTest} covers the same against the
 * in-process broker.
 */
@Testcontainers(disabledWithoutDocker = true)
class TeacherProducerContainerTest {
    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:3.9.1");

    @TempDir
    Path tmp;

    @Test
    void producesToAContainerisedBroker() throws Exception {
        AvroTrust.trustRecordClasses();
        Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(3, 1, 48, 2, 3, 5));
        DetectionDataset ds = DatasetLoader.load(data, "train");
        Engine.getInstance().setRandomSeed(1);
        try (EmbeddedRegistry registry = EmbeddedRegistry.start();
                NDManager m = NDManager.newBaseManager()) {
            DetrModel teacher = new DetrModel(DetrConfig.builder()
                            .backboneWidths(List.of(8, 16, 16))
                            .blocksPerStage(0)
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
            ProduceSummary s = TeacherProducer.builder()
                    .serdes(RecordSerdes.of(KAFKA.getBootstrapServers(), registry.url()))
                    .topic("container.records")
                    .encodings(EncodingPolicy.uniform(TensorEncoding.FP16))
                    .log(new PrintStream(OutputStream.nullOutputStream()))
                    .build()
                    .run(teacher, ds.classNames(), ds);
            assertEquals(3, s.produced());
        }
    }
}
