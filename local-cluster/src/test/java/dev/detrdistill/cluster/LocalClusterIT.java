package dev.detrdistill.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.eval.CocoMetrics;
import dev.detrdistill.eval.DetectorEvaluator;
import dev.detrdistill.model.DecoderType;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.producer.EncodingPolicy;
import dev.detrdistill.producer.TeacherProducer;
import dev.detrdistill.records.TensorEncoding;
import dev.detrdistill.stack.EmbeddedKafka;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.train.Checkpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's job jar on a real Flink standalone cluster of separate JVMs (JobManager, two TaskManagers), with a
 * broker and registry JVM, submitted with Flink's own CLI: four students at parallelism 2 over both TaskManagers; a
 * TaskManager killed with SIGKILL mid-run; the JobManager killed and restarted (no high availability). Each run
 * must end with every student's weights equal, bit for bit, to the uninterrupted run's.
 */
@Timeout(1200)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> STUDENTS = List.of("base-a", "base-b", "dist-a", "dist-b");
    private static final String TOPIC = "cluster";
    // 48 images x 2 views in one partition, one epoch: long enough to kill a process mid-run. (One bounded
    // source: several epochs would chain sources, whose restore around a switch is a known Flink weak spot.)
    private static final int RECORDS = 96;
    private static final int EPOCHS = 1;

    @TempDir
    static Path tmp;

    static LocalCluster cluster;
    static Path data;
    static Path uninterrupted;

    @BeforeAll
    static void startClusterAndProduce() throws Exception {
        ClusterLayout layout = new ClusterLayout(
                tmp.resolve("cluster"),
                EmbeddedKafka.freePort(),
                EmbeddedKafka.freePort(),
                EmbeddedKafka.freePort(),
                EmbeddedKafka.freePort(),
                EmbeddedKafka.freePort(),
                2,
                2);
        cluster = new LocalCluster(layout, System.out);
        long t0 = System.nanoTime();
        cluster.up();
        System.out.printf("cluster drill: cluster up in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(48, 4, 48, 1, 3, 61));
        DetectionDataset train = DatasetLoader.load(data, "train");
        RecordSerdes serdes = RecordSerdes.of(layout.bootstrapServers(), layout.registryUrl());
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            DetrModel teacher = new DetrModel(model(32, 6, 2, 8, 16)
                            .numClasses(train.numClasses())
                            .build())
                    .initializeParameters(m);
            TeacherProducer.builder()
                    .serdes(serdes)
                    .topic(TOPIC)
                    .teacher("t", 1)
                    .encodings(EncodingPolicy.uniform(TensorEncoding.FP32))
                    .views(2)
                    .batchSize(4)
                    .partitions(1)
                    .log(new PrintStream(OutputStream.nullOutputStream()))
                    .build()
                    .run(teacher, train.classNames(), train);
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.down();
        }
    }

    @Test
    @Order(1)
    void fourStudentsRunOnBothTaskManagersAndTheirApIsTheirCheckpointsAp() throws Exception {
        uninterrupted = tmp.resolve("run-a");
        long t0 = System.nanoTime();
        String job = submit(uninterrupted, "run-a", List.of());
        List<String> where = List.of();
        while (where.size() < 2) { // the training vertex's subtasks, once deployed
            where = cluster.rest().subtaskTaskManagers(job, "train students");
            where = where.stream()
                    .filter(s -> !s.isBlank() && !s.equals("(unassigned)"))
                    .toList();
            Thread.sleep(200);
        }
        assertEquals(2, new HashSet<>(where).size(), "the two training subtasks run on both TaskManagers: " + where);
        assertPrometheusShowsStudents(job);
        awaitState(job, "FINISHED", Duration.ofMinutes(8));
        double seconds = (System.nanoTime() - t0) / 1e9;

        try (NDManager m = NDManager.newBaseManager()) {
            DetectionDataset val = DatasetLoader.load(data, "val");
            for (String s : STUDENTS) {
                JsonNode summary =
                        JSON.readTree(uninterrupted.resolve(s + "/summary.json").toFile());
                assertEquals(RECORDS * EPOCHS, summary.path("records").asInt(), s + " trained every record once");
                DetrModel model = Checkpoint.loadModel(uninterrupted.resolve(s + "/checkpoint"), m);
                CocoMetrics again = DetectorEvaluator.evaluate(model, val, new ImageCache(64), m, 4);
                assertEquals(
                        summary.path("eval").path("AP").asDouble(),
                        again.stats()[0],
                        1e-9,
                        s + ": the AP the job reported is its checkpoint's");
            }
        }
        System.out.printf(
                "cluster drill: 4 students x %d records x %d epochs at parallelism 2 on 2 TaskManagers in %.1f s "
                        + "(submit to finish, %.1f student-records/s); step time per student %s%n",
                RECORDS, EPOCHS, seconds, 4.0 * RECORDS * EPOCHS / seconds, stepSeconds(uninterrupted));

        if (Boolean.getBoolean("detrdistill.bench.minicluster")) {
            compareWithMiniCluster();
        }
    }

    /**
     * A benchmark, not a check (run with {@code -Ddetrdistill.bench.minicluster=true}): the same job on a local
     * MiniCluster, one JVM, the embedded default's way.
     */
    private static void compareWithMiniCluster() throws Exception {
        Path local = tmp.resolve("run-local");
        long t1 = System.nanoTime();
        dev.detrdistill.trainer.flink.StudentTrainerJob.builder()
                .serdes(RecordSerdes.of(
                        cluster.layout().bootstrapServers(), cluster.layout().registryUrl()))
                .topic(TOPIC)
                .students(dev.detrdistill.trainer.StudentSpecs.load(studentFiles(local)))
                .parallelism(2)
                .checkpointInterval(Duration.ofSeconds(1))
                .checkpointDir(tmp.resolve("local-checkpoints"))
                .log(new PrintStream(OutputStream.nullOutputStream()))
                .build()
                .run();
        double localSeconds = (System.nanoTime() - t1) / 1e9;
        boolean same = true;
        for (String s : STUDENTS) {
            same &= java.util.Arrays.equals(
                    Files.readAllBytes(uninterrupted.resolve(s + "/checkpoint/model.params")),
                    Files.readAllBytes(local.resolve(s + "/checkpoint/model.params")));
        }
        System.out.printf(
                "cluster drill: the same job on a local MiniCluster (one JVM, parallelism 2): %.1f s "
                        + "(%.1f student-records/s); step time per student %s; weights equal the cluster's: %s%n",
                localSeconds, 4.0 * RECORDS * EPOCHS / localSeconds, stepSeconds(local), same);
    }

    @Test
    @Order(2)
    void aTaskManagerKilledMidRunRestartsTheJobFromItsCheckpointAndChangesNoWeight() throws Exception {
        assertNotNull(uninterrupted, "the uninterrupted run went first");
        for (int attempt = 1; ; attempt++) {
            Path out = tmp.resolve("run-b" + attempt);
            String job = submit(out, "run-b" + attempt, List.of());
            awaitCheckpointAndProgress(job, out);
            // A TaskManager whose training subtask still runs (a finished one's loss would need no restart).
            FlinkRest.Subtask target = cluster.rest().subtasks(job, "train students").stream()
                    .filter(t -> t.status().equals("RUNNING"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no training subtask running to interrupt"));
            if (killAndAwaitRecovery(job, out, target, attempt)) {
                return;
            }
        }
    }

    /**
     * Kills the TaskManager of {@code target} and checks the job restarts and ends with the uninterrupted
     * weights. False when the kill came too late to matter: the REST view is up to 0.5 s old, and a subtask
     * that finished in between needs no restart (a killed TaskManager cannot report FINISHED afterwards, so
     * its subtask's FINISHED says so); the caller tries again, twice at most.
     */
    private static boolean killAndAwaitRecovery(String job, Path out, FlinkRest.Subtask target, int attempt)
            throws Exception {
        String victim = target.taskManager();
        long linesAtKill = metricsLines(out);
        long killedAt = System.nanoTime();
        cluster.processes().kill(victim);
        try {
            long deadline = killedAt + Duration.ofMinutes(3).toNanos();
            while (!(cluster.rest().jobRestarts(job) >= 1
                    && cluster.rest().jobState(job).equals("RUNNING"))) {
                assertTrue(System.nanoTime() < deadline, "the job did not restart within 3 minutes");
                if (cluster.rest().jobState(job).equals("FINISHED")) {
                    String victimStatus = cluster.rest().subtasks(job, "train students").stream()
                            .filter(t -> t.index() == target.index())
                            .map(FlinkRest.Subtask::status)
                            .findFirst()
                            .orElse("?");
                    assertTrue(
                            victimStatus.equals("FINISHED") && attempt < 3,
                            "the job finished without a restart " + (System.nanoTime() - killedAt) / 1_000_000
                                    + " ms after " + victim + " was killed (its subtask " + target.index() + ": "
                                    + victimStatus + "; attempt " + attempt + "); metrics lines then: "
                                    + linesAtKill);
                    System.out.printf(
                            "cluster drill: subtask %d had finished before %s was killed; again%n",
                            target.index(), victim);
                    return false;
                }
                Thread.sleep(100);
            }
            double recovery = (System.nanoTime() - killedAt) / 1e9;
            awaitState(job, "FINISHED", Duration.ofMinutes(8));
            assertSameWeights(out);
            System.out.printf(
                    "cluster drill: %s SIGKILL -> job running again in %.1f s on the survivor; weights of all 4 "
                            + "students equal the uninterrupted run's%n",
                    victim, recovery);
            return true;
        } finally {
            cluster.startTaskManager(Integer.parseInt(victim.substring(victim.lastIndexOf('-') + 1)));
            cluster.awaitTaskManagers(2);
        }
    }

    @Test
    @Order(3)
    void aRestartedJobManagerWithoutHaForgetsTheJobAndItResumesFromTheRetainedCheckpoint() throws Exception {
        assertNotNull(uninterrupted, "the uninterrupted run went first");
        Path out = tmp.resolve("run-c");
        String job = submit(out, "run-c", List.of());
        awaitCheckpointAndProgress(job, out);
        cluster.processes().kill("jobmanager");
        long killedAt = System.nanoTime();
        cluster.startJobManager();
        cluster.awaitTaskManagers(2);
        awaitAllSlotsFree(); // the old job's tasks are gone from the TaskManagers
        double back = (System.nanoTime() - killedAt) / 1e9;
        assertEquals(404, status(cluster.layout().restUrl() + "/jobs/" + job), "without HA the job is forgotten");

        Path chk = latestCheckpoint(cluster.layout().checkpoints().resolve(job));
        assertNotNull(chk, "the killed job's checkpoints are retained");
        String resumed =
                submit(out, "run-c", List.of("--resume-from", chk.toUri().toString()));
        awaitState(resumed, "FINISHED", Duration.ofMinutes(8));
        assertSameWeights(out);
        System.out.printf(
                "cluster drill: JobManager SIGKILL + restart: cluster back in %.1f s, job forgotten (no HA), "
                        + "resubmitted from %s; weights equal the uninterrupted run's%n",
                back, chk.getFileName());
    }

    private static void assertSameWeights(Path out) throws IOException {
        for (String s : STUDENTS) {
            assertArrayEquals(
                    Files.readAllBytes(uninterrupted.resolve(s + "/checkpoint/model.params")),
                    Files.readAllBytes(out.resolve(s + "/checkpoint/model.params")),
                    s + ": weights bit for bit");
            assertEquals(
                    RECORDS * EPOCHS,
                    JSON.readTree(out.resolve(s + "/summary.json").toFile())
                            .path("records")
                            .asInt(),
                    s + ": no record trained twice");
        }
    }

    /** Scrapes the Prometheus endpoints once while a job trains: the per-student gauges are there. */
    private static void assertPrometheusShowsStudents(String job) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        String all = "";
        List<String> studentLines = List.of();
        // Gauges appear when a student's first record arrives; poll while the job runs.
        while (studentLines.isEmpty() && System.nanoTime() < deadline) {
            assertEquals("RUNNING", cluster.rest().jobState(job), "the job still runs while scraped");
            all = scrapePrometheus();
            studentLines = all.lines()
                    .filter(l -> !l.startsWith("#") && l.contains("student=\""))
                    .toList();
            Thread.sleep(500);
        }
        assertTrue(!studentLines.isEmpty(), "per-student gauges on a Prometheus endpoint within 2 minutes");
        System.out.printf(
                "cluster drill: Prometheus endpoints serve %d lines, %d of them per-student gauges, e.g. %s%n",
                all.lines().count(), studentLines.size(), studentLines.get(0));
    }

    /** Everything the Prometheus endpoints of the cluster's JVMs serve (ports 9250-9260). */
    private static String scrapePrometheus() throws InterruptedException {
        StringBuilder all = new StringBuilder();
        for (int port = 9250; port <= 9260; port++) {
            try {
                HttpResponse<String> r = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                all.append(r.body());
            } catch (IOException e) {
                // nothing on that port
            }
        }
        return all.toString();
    }

    private static String submit(Path out, String jobName, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "run",
                "-d",
                FlinkClasspath.jobJar().toString(),
                "--topic",
                TOPIC,
                "--bootstrap-servers",
                cluster.layout().bootstrapServers(),
                "--registry-url",
                cluster.layout().registryUrl(),
                "--parallelism",
                "2",
                "--checkpoint-interval",
                "1",
                "--epochs",
                String.valueOf(EPOCHS),
                "--job-name",
                jobName));
        for (Path f : studentFiles(out)) {
            args.addAll(List.of("--student", f.toString()));
        }
        args.addAll(extra); // --resume-from continues the killed run's student folders
        FlinkCli.Result r = new FlinkCli(cluster.layout()).run(args, 300);
        assertEquals(0, r.exitCode(), r.output());
        return r.jobId();
    }

    /** The four students' files, writing into {@code out}: two baselines and two distilled, two seeds. */
    private static List<Path> studentFiles(Path out) throws IOException {
        Path files = Files.createDirectories(tmp.resolve("students-" + out.getFileName()));
        Path modelFile = files.resolve("student-model.yaml");
        Files.writeString(
                modelFile,
                "backboneWidths: [8, 8, 16]\nblocksPerStage: 0\nhiddenDim: 16\nnumHeads: 2\nffnDim: 32\n"
                        + "encoderLayers: 1\ndecoderLayers: 1\nnumQueries: 4\nnumClasses: 0\ndecoder: DAB\n"
                        + "imageSize: 32\n");
        List<Path> out2 = new ArrayList<>();
        for (String s : STUDENTS) {
            Path f = files.resolve(s + ".yaml");
            Files.writeString(
                    f,
                    "name: " + s + "\nmodel: " + modelFile + "\n"
                            + (s.startsWith("dist")
                                    ? "distillation:\n  instance: 1\n  feature: 1\n  assignment: 1\n"
                                    : "")
                            + "train:\n  batchSize: 1\n  warmupSteps: 2\n  logEvery: 1\n  seed: "
                            + (s.endsWith("a") ? "7" : "8") + "\n"
                            + "eval:\n  data: " + data + "\n  split: val\n  every: 0\n"
                            + "output: " + out.resolve(s) + "\n");
            out2.add(f);
        }
        return out2;
    }

    private static long metricsLines(Path out) throws IOException {
        long lines = 0;
        for (String s : STUDENTS) {
            Path f = out.resolve(s + "/metrics.jsonl");
            lines += Files.exists(f) ? Files.readAllLines(f).size() : 0;
        }
        return lines;
    }

    private static void awaitCheckpointAndProgress(String job, Path out) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode counts =
                    cluster.rest().get("/jobs/" + job + "/checkpoints").path("counts");
            long lines = 0;
            for (String s : STUDENTS) {
                Path f = out.resolve(s + "/metrics.jsonl");
                lines += Files.exists(f) ? Files.readAllLines(f).size() : 0;
            }
            if (counts.path("completed").asInt() >= 1 && lines >= 4) {
                return;
            }
            assertEquals("RUNNING", cluster.rest().jobState(job), "the job runs until it is interrupted");
            Thread.sleep(100);
        }
        throw new AssertionError("no completed checkpoint and progress within 5 minutes");
    }

    private static void awaitAllSlotsFree() throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode o = cluster.rest().overviewOrNull();
            if (o != null
                    && o.path("slots-total").asInt() == 4
                    && o.path("slots-available").asInt() == 4) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(
                "the TaskManagers did not free their slots: " + cluster.rest().overviewOrNull());
    }

    private static void awaitState(String job, String state, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String now = "";
        while (System.nanoTime() < deadline) {
            now = cluster.rest().jobState(job);
            if (now.equals(state)) {
                return;
            }
            if (now.equals("FAILED") || now.equals("CANCELED")) {
                throw new AssertionError("job " + job + " ended " + now + ": "
                        + cluster.rest()
                                .get("/jobs/" + job + "/exceptions")
                                .path("root-exception")
                                .asText());
            }
            Thread.sleep(250);
        }
        throw new AssertionError("job " + job + " still " + now + " after " + timeout);
    }

    private static String stepSeconds(Path out) throws IOException {
        Map<String, String> perStudent = new LinkedHashMap<>();
        for (String s : STUDENTS) {
            JsonNode summary = JSON.readTree(out.resolve(s + "/summary.json").toFile());
            perStudent.put(
                    s,
                    String.format(
                            "%.0f ms",
                            1000
                                    * summary.path("step_seconds").asDouble()
                                    / Math.max(1, summary.path("steps").asInt())));
        }
        return perStudent.toString();
    }

    private static int status(String url) throws Exception {
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static Path latestCheckpoint(Path jobDir) throws IOException {
        if (!Files.isDirectory(jobDir)) {
            return null;
        }
        try (Stream<Path> s = Files.list(jobDir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("chk-") && Files.exists(p.resolve("_metadata")))
                    .max((a, b) -> Integer.compare(
                            Integer.parseInt(a.getFileName().toString().substring(4)),
                            Integer.parseInt(b.getFileName().toString().substring(4))))
                    .orElse(null);
        }
    }

    private static DetrConfig.Builder model(int size, int queries, int decoderLayers, int width, int hidden) {
        return DetrConfig.builder()
                .backboneWidths(List.of(width, 2 * width, 2 * width))
                .blocksPerStage(0)
                .hiddenDim(2 * hidden)
                .numHeads(4)
                .ffnDim(4 * hidden)
                .encoderLayers(1)
                .decoderLayers(decoderLayers)
                .numQueries(queries)
                .decoder(DecoderType.DAB)
                .imageSize(size);
    }
}
