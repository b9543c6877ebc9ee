package dev.detrdistill.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every manifest under k8s/ reads into its typed model with no field the model does not know. */
class ManifestsTest {
    private static final Path K8S = Path.of("k8s");

    @Test
    void everyManifestIsKnownToItsTypedModel() throws Exception {
        List<String> problems = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                for (TypedManifests.Document d : TypedManifests.read(f)) {
                    kinds.add(d.kind());
                    d.unknown().forEach(u -> problems.add(f.getFileName() + " #" + d.index() + ": " + u));
                }
            }
        }
        assertEquals(List.of(), problems, "fields the typed models do not know");
        for (String kind : List.of(
                "FlinkDeployment",
                "Kafka",
                "KafkaNodePool",
                "KafkaTopic",
                "KafkaUser",
                "Job",
                "Deployment",
                "Service",
                "PersistentVolumeClaim",
                "Secret",
                "ConfigMap")) {
            assertTrue(kinds.contains(kind), "a " + kind + " is among the manifests: " + kinds);
        }
    }

    @Test
    void theFlinkDeploymentReachesStudentsFromTheJobManagerAndChecksPointsToS3() throws Exception {
        FlinkDeployment d = (FlinkDeployment) TypedManifests.read(K8S.resolve("trainer-flinkdeployment.yaml")).stream()
                .filter(x -> x.kind().equals("FlinkDeployment"))
                .findFirst()
                .orElseThrow()
                .model();
        var spec = d.getSpec();
        assertTrue(spec.getPodTemplate() != null, "a pod template for JobManager and TaskManagers alike");
        var conf = spec.getFlinkConfiguration();
        assertTrue(conf.get("execution.checkpointing.dir").startsWith("s3://"), conf.toString());
        assertEquals("kubernetes", conf.get("high-availability.type"));
        assertTrue(conf.containsKey("metrics.reporter.prom.factory.class"));
        assertEquals("dev.detrdistill.trainer.cli.TrainerJobMain", spec.getJob().getEntryClass());
        for (String a : spec.getJob().getArgs()) {
            if (a.endsWith(".yaml")) {
                assertTrue(a.startsWith("/"), "student files by absolute path: " + a);
            }
        }
    }

    @Test
    void theComposeStackHasEveryServiceAndPublishesOnLoopbackOnly() throws Exception {
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        var services = yaml.readTree(Path.of("compose.yaml").toFile()).path("services");
        for (String s : List.of("kafka", "registry", "registry-db", "jobmanager", "taskmanager", "producer")) {
            assertTrue(services.has(s), "service " + s);
            assertFalse(services.path(s).path("image").asText().isEmpty(), s + " names its image");
        }
        services.fields().forEachRemaining(e -> e.getValue()
                .path("ports")
                .forEach(p -> assertTrue(
                        p.asText().startsWith("127.0.0.1:"), e.getKey() + " publishes " + p + " beyond loopback")));
    }

    @Test
    void aMisspeltFieldIsFound(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(
                bad,
                String.join(
                        "\n",
                        "apiVersion: batch/v1",
                        "kind: Job",
                        "metadata: {name: x}",
                        "spec:",
                        "  backofLimit: 2", // misspelt backoffLimit
                        "  template:",
                        "    spec:",
                        "      restartPolicy: Never",
                        "      containers: [{name: c, image: i, resource: {}}]")); // misspelt resources
        List<String> unknown = TypedManifests.read(bad).get(0).unknown();
        assertFalse(unknown.isEmpty());
        assertTrue(unknown.toString().contains("backofLimit"), unknown.toString());
        assertTrue(unknown.toString().contains("resource"), unknown.toString());
    }
}
