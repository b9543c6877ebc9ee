package dev.detrdistill.trainer.flink;

import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.stream.Topics;
import dev.detrdistill.trainer.StudentSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.base.source.hybrid.HybridSource;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The student trainer as a Flink DataStream job:
 *
 * <pre>
 * records topic ─KafkaSource(epochs)─▶ RecordIntake ◀─broadcast── cards topic ─KafkaSource─▶ CardDecoding
 *                                        │ decode, card, validate, fan out per student
 *                                        ▼ keyBy(student)
 *                               StudentTrainingOperator ─▶ progress (stdout, metrics.jsonl, checkpoints)
 *                 dead letters from every stage ─▶ KafkaSink(&lt;topic&gt;.trainer.dlq)
 * </pre>
 *
 * The same code runs on a local MiniCluster (the embedded default) and on a Flink cluster ({@code flink run}).
 */
public final class StudentTrainerJob {
    private final RecordSerdes serdes;
    private final String topic;
    private final List<StudentSpec> students;
    private final StartPosition from;
    private final int epochs;
    private final boolean live;
    private final Integer parallelism;
    private final Duration checkpointInterval;
    private final String checkpointStorage;
    private final boolean onCluster;
    private final java.util.Optional<Short> replicationFactor;
    private final String resumeFrom;
    private final FailureDrill drill;
    private final boolean unalignedCheckpoints;
    private final String jobName;
    private final String device;
    private final PrintStream log;

    private StudentTrainerJob(Builder b) {
        serdes = b.serdes;
        topic = b.topic;
        students = List.copyOf(b.students);
        from = b.from;
        epochs = b.epochs;
        live = b.live;
        parallelism = b.parallelism;
        checkpointInterval = b.checkpointInterval;
        checkpointStorage = b.checkpointStorage;
        onCluster = b.onCluster;
        replicationFactor = b.replicationFactor;
        resumeFrom = b.resumeFrom;
        drill = b.drill;
        unalignedCheckpoints = b.unalignedCheckpoints;
        jobName = b.jobName;
        device = b.device;
        log = b.log;
    }

    /** The checkpoint interval when neither a flag nor the cluster sets one. */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(30);

    private static final java.util.regex.Pattern URI_WITH_SCHEME =
            java.util.regex.Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:/.*");

    public static Builder builder() {
        return new Builder();
    }

    /** Builds and runs the job; returns when a replay ends (live jobs run until cancelled). */
    public TrainerResult run() throws Exception {
        long t0 = System.nanoTime();
        StreamExecutionEnvironment env = prepare();
        if (onCluster && !env.getConfiguration().get(DeploymentOptions.ATTACHED)) {
            // flink run -d: the job's results never come back to this client.
            var client = env.executeAsync(jobName);
            log.printf("submitted job %s as %s%n", client.getJobID(), jobName);
            return TrainerResult.submitted(client.getJobID().toString(), (System.nanoTime() - t0) / 1e9);
        }
        JobExecutionResult result = env.execute(jobName);
        return TrainerResult.of(result, students, (System.nanoTime() - t0) / 1e9);
    }

    /** Submits the job and returns at once; a live job runs until {@code cancel()} on the returned client. */
    public org.apache.flink.core.execution.JobClient start() throws Exception {
        return prepare().executeAsync(jobName);
    }

    private StreamExecutionEnvironment prepare() {
        ReplayPlan plan = ReplayPlan.of(serdes.admin(), topic, from);
        Map<String, Integer> planned = plannedSteps(plan);
        if (live) {
            log.printf("training %d student(s) live from %s (starting %s)%n", students.size(), topic, from);
        } else {
            log.printf(
                    "replaying %s: %d records in %d partition(s) from %s, %d epoch(s)%n",
                    topic, plan.records(), plan.partitions(), from, epochs);
            if (plan.records() == 0) {
                throw new IllegalArgumentException(
                        "nothing to replay: topic " + topic + " has no records from " + from);
            }
        }
        planned.forEach((name, steps) -> log.printf("  student %s: %d planned steps%n", name, steps));
        ensureDeadLetterTopic();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration());
        if (!env.getCheckpointConfig().isCheckpointingEnabled()) {
            // Only on a cluster that sets no interval: without checkpoints a failure would start the students over.
            env.enableCheckpointing(DEFAULT_CHECKPOINT_INTERVAL.toMillis());
            log.printf(
                    "the cluster sets no checkpoint interval: checkpointing every %d s (--checkpoint-interval)%n",
                    DEFAULT_CHECKPOINT_INTERVAL.toSeconds());
        }
        build(env, plan, planned);
        return env;
    }

    Map<String, Integer> plannedSteps(ReplayPlan plan) {
        Map<String, Integer> planned = new LinkedHashMap<>();
        for (StudentSpec s : students) {
            int steps = s.train().steps();
            if (steps == 0) {
                steps = live
                        ? 1_000_000
                        : (int) Math.max(
                                1,
                                (plan.records() * epochs + s.train().batchSize() - 1)
                                        / s.train().batchSize());
            }
            planned.put(s.name(), steps);
        }
        return planned;
    }

    void build(StreamExecutionEnvironment env, ReplayPlan plan, Map<String, Integer> planned) {
        List<String> names = students.stream().map(StudentSpec::name).toList();
        ConfluentAvroDecoder<TeacherRecord> recordDecoder =
                new ConfluentAvroDecoder<>(serdes.registryUrl(), TeacherRecord.class, serdes.registryAccess());
        ConfluentAvroDecoder<TeacherCard> cardDecoder =
                new ConfluentAvroDecoder<>(serdes.registryUrl(), TeacherCard.class, serdes.registryAccess());

        // Intake runs beside its source subtask (forward, no rebalance): each student's records then reach its
        // training subtask in partition order, so a run over one partition trains the same, step by step, every time.
        int readers = Math.max(1, Math.min(env.getParallelism(), plan.partitions()));
        DataStream<RawKafkaRecord> raw = env.fromSource(
                        recordSource(plan),
                        WatermarkStrategy.noWatermarks(),
                        "teacher records",
                        TypeInformation.of(RawKafkaRecord.class))
                .uid("teacher-records-source")
                .setParallelism(readers);
        SingleOutputStreamOperator<TeacherCard> cards = env.fromSource(
                        cardSource(),
                        WatermarkStrategy.noWatermarks(),
                        "teacher cards",
                        TypeInformation.of(RawKafkaRecord.class))
                .uid("teacher-cards-source")
                .setParallelism(1)
                .process(new CardDecoding(cardDecoder))
                .returns(new AvroTypeInfo<>(TeacherCard.class))
                .name("decode cards")
                .uid("decode-cards")
                .setParallelism(1);
        BroadcastStream<TeacherCard> cardBroadcast = cards.broadcast(RecordIntake.CARDS);

        SingleOutputStreamOperator<StudentTask> tasks = raw.connect(cardBroadcast)
                .process(new RecordIntake(recordDecoder, new CardLookup(serdes, topic), names, live))
                .returns(TypeInformation.of(StudentTask.class))
                .name("intake: decode, validate, fan out")
                .uid("intake")
                .setParallelism(readers);
        SingleOutputStreamOperator<StudentProgress> progress = tasks.keyBy(t -> t.student, Types.STRING)
                .transform(
                        "train students",
                        TypeInformation.of(StudentProgress.class),
                        new StudentTrainingOperator(students, planned, drill, device))
                .uid("student-training");

        progress.map(StudentProgress::line)
                .returns(Types.STRING)
                .name("progress")
                .uid("progress-lines")
                .print()
                .uid("progress-print");

        DataStream<RefusedRecord> deadLetters = tasks.getSideOutput(RefusedRecord.TAG)
                .union(cards.getSideOutput(RefusedRecord.TAG), progress.getSideOutput(RefusedRecord.TAG));
        deadLetters
                .map(RefusedRecord::toString)
                .returns(Types.STRING)
                .name("dead letters (log)")
                .uid("dead-letter-lines")
                .printToErr()
                .uid("dead-letter-print");
        Properties producer = new Properties();
        producer.putAll(serdes.kafkaProperties()); // security settings of --kafka-config
        producer.put("max.request.size", String.valueOf(serdes.maxRecordBytes()));
        deadLetters
                .sinkTo(KafkaSink.<RefusedRecord>builder()
                        .setBootstrapServers(serdes.bootstrapServers())
                        .setRecordSerializer(new DeadLetterSerialization(Topics.trainerDeadLetters(topic)))
                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                        .setKafkaProducerConfig(producer)
                        .build())
                .name("dead letters (kafka)")
                .uid("dead-letter-sink");
    }

    private Source<RawKafkaRecord, ?, ?> recordSource(ReplayPlan plan) {
        if (live) {
            return kafkaSource(topic, startInitializer(), null, 1);
        }
        Source<RawKafkaRecord, ?, ?> first =
                kafkaSource(topic, OffsetsInitializer.offsets(plan.start()), OffsetsInitializer.offsets(plan.end()), 1);
        if (epochs == 1) {
            return first;
        }
        // One bounded source per epoch over the same fixed offsets, read one after the other.
        HybridSource.HybridSourceBuilder<RawKafkaRecord, ?> b = HybridSource.builder(first);
        for (int e = 2; e <= epochs; e++) {
            b = b.addSource(kafkaSource(
                    topic, OffsetsInitializer.offsets(plan.start()), OffsetsInitializer.offsets(plan.end()), e));
        }
        return b.build();
    }

    private Source<RawKafkaRecord, ?, ?> cardSource() {
        // Live: follow new teacher versions. Replay: the cards there are when the job starts (it must end).
        return kafkaSource(
                Topics.cardsTopic(topic), OffsetsInitializer.earliest(), live ? null : OffsetsInitializer.latest(), 1);
    }

    private OffsetsInitializer startInitializer() {
        return switch (from.kind()) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case TIMESTAMP -> OffsetsInitializer.timestamp(from.timestampMs());
        };
    }

    private Source<RawKafkaRecord, ?, ?> kafkaSource(
            String t, OffsetsInitializer start, OffsetsInitializer stop, int epoch) {
        Properties props = new Properties();
        serdes.rawConsumer(jobName).forEach((k, v) -> {
            if (!k.contains("deserializer")
                    && !k.equals("group.id")
                    && !k.equals("enable.auto.commit")
                    && !k.equals("auto.offset.reset")) {
                props.put(k, String.valueOf(v));
            }
        });
        var b = KafkaSource.<RawKafkaRecord>builder()
                .setBootstrapServers(serdes.bootstrapServers())
                .setTopics(t)
                .setGroupId("detrdistill-trainer-" + jobName)
                .setStartingOffsets(start)
                .setDeserializer(new RawRecordDeserializer(epoch))
                .setProperties(props)
                .setProperty("commit.offsets.on.checkpoint", "true");
        if (stop == null) {
            return b.build();
        }
        return new RestoreSafeKafkaSource<>(b.setBounded(stop).build());
    }

    private void ensureDeadLetterTopic() {
        try (Admin admin = Admin.create(serdes.admin())) {
            if (!admin.listTopics().names().get().contains(Topics.trainerDeadLetters(topic))) {
                admin.createTopics(List.of(new NewTopic(
                                        Topics.trainerDeadLetters(topic), java.util.Optional.of(1), replicationFactor)
                                .configs(Map.of("max.message.bytes", String.valueOf(serdes.maxRecordBytes())))))
                        .all()
                        .get();
            }
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot create the dead-letter topic " + Topics.trainerDeadLetters(topic) + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * The job's configuration. On a cluster ({@code flink run}) it holds only what the job itself needs and what a flag
     * asked for: the cluster's own configuration decides checkpoint interval and storage, restart strategy,
     * parallelism, state backend and memory otherwise. The local MiniCluster gets those settings here.
     */
    Configuration configuration() {
        Configuration c = new Configuration();
        c.set(PipelineOptions.GENERIC_TYPES, false);
        c.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        c.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMinutes(10));
        c.set(CheckpointingOptions.MAX_CONCURRENT_CHECKPOINTS, 1);
        // Unaligned: barriers overtake the records queued for the (slow) training operator, so a checkpoint
        // does not wait until every buffered record has been trained; the queued records go into it.
        c.set(CheckpointingOptions.ENABLE_UNALIGNED, unalignedCheckpoints);
        if (parallelism != null) {
            c.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        }
        if (checkpointInterval != null) {
            c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        }
        if (checkpointStorage != null) {
            c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointStorage);
        }
        if (resumeFrom != null) {
            c.set(StateRecoveryOptions.SAVEPOINT_PATH, resumeFrom);
        }
        if (!onCluster) {
            ownMiniCluster(c);
        }
        return c;
    }

    /** What a cluster would own, for the MiniCluster this job starts itself. */
    private void ownMiniCluster(Configuration c) {
        int p = parallelism == null ? 1 : parallelism;
        c.set(CoreOptions.DEFAULT_PARALLELISM, p);
        if (checkpointInterval == null) {
            c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL);
        }
        if (checkpointStorage == null) {
            c.set(
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                    Path.of("runs", "trainer", jobName, "flink-checkpoints")
                            .toAbsolutePath()
                            .toUri()
                            .toString());
        }
        c.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        c.set(StateBackendOptions.STATE_BACKEND, "hashmap");
        // Sized for outages (a broker or registry restart takes tens of seconds): back off from 1 s to 60 s, and
        // start over after 10 quiet minutes; a job that fails 50 times in a row without a quiet spell gives up.
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, Duration.ofSeconds(1));
        c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, Duration.ofSeconds(60));
        c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER, 2.0);
        c.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                Duration.ofMinutes(10));
        c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.1);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, 50);
        // A small machine needs little network and managed memory.
        c.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(1, p));
        c.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.parse("64m"));
        c.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.parse("64m"));
        c.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("64m"));
        c.set(RestOptions.BIND_PORT, "0");
        // The local MiniCluster listens on loopback only: its REST API has no authentication, and neither do the
        // blob server, RPC and data ports (a cluster binds as its own configuration says).
        c.set(RestOptions.ADDRESS, "127.0.0.1");
        c.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        c.set(JobManagerOptions.ADDRESS, "127.0.0.1");
        c.set(JobManagerOptions.BIND_HOST, "127.0.0.1");
        c.set(TaskManagerOptions.HOST, "127.0.0.1");
        c.set(TaskManagerOptions.BIND_HOST, "127.0.0.1");
    }

    /** Builder in the style of Flink's and Kafka's: validated at {@link #build()}. */
    public static final class Builder {
        private RecordSerdes serdes;
        private String topic;
        private List<StudentSpec> students = List.of();
        private StartPosition from = StartPosition.EARLIEST;
        private int epochs = 1;
        private boolean live;
        private Integer parallelism;
        private Duration checkpointInterval;
        private String checkpointStorage;
        private boolean onCluster;
        private java.util.Optional<Short> replicationFactor = java.util.Optional.empty();
        private String resumeFrom;
        private FailureDrill drill = FailureDrill.OFF;
        private boolean unalignedCheckpoints;
        private String jobName;
        private String device = "auto";
        private PrintStream log = System.out;

        public Builder serdes(RecordSerdes s) {
            serdes = s;
            return this;
        }

        public Builder topic(String t) {
            topic = t;
            return this;
        }

        public Builder students(List<StudentSpec> s) {
            students = s;
            return this;
        }

        public Builder from(StartPosition p) {
            from = p;
            return this;
        }

        public Builder epochs(int n) {
            epochs = n;
            return this;
        }

        /** Follow the topic without end instead of replaying a fixed range. */
        public Builder live(boolean l) {
            live = l;
            return this;
        }

        /** Training subtasks; null: 1 on the local MiniCluster, the cluster's default under {@code flink run}. */
        public Builder parallelism(Integer p) {
            parallelism = p;
            return this;
        }

        public Builder checkpointInterval(Duration d) {
            checkpointInterval = d;
            return this;
        }

        /** Replication factor of the dead-letter topic if the job creates it; empty (the default): the broker's. */
        public Builder replicationFactor(java.util.Optional<Short> r) {
            replicationFactor = r;
            return this;
        }

        /** A local checkpoint folder (absolute from here): for the MiniCluster and tests. */
        public Builder checkpointDir(Path d) {
            checkpointStorage = d.toAbsolutePath().toUri().toString();
            return this;
        }

        /**
         * Where checkpoints go, as {@code --checkpoint-dir} gives it: a URI ({@code s3://}, {@code hdfs://},
         * {@code file:///}) is taken as it is; a bare path only by the local MiniCluster (made absolute here), and a
         * clear error on a cluster, where it would be read on whichever machine opens it.
         */
        public Builder checkpointStorage(String uriOrPath) {
            checkpointStorage = uriOrPath;
            return this;
        }

        /**
         * Run under {@code flink run} on a cluster: the cluster's configuration decides what no flag asked for, and no
         * MiniCluster settings are sent.
         */
        public Builder onCluster(boolean c) {
            onCluster = c;
            return this;
        }

        /** A retained checkpoint or savepoint to continue from. */
        public Builder resumeFrom(String path) {
            resumeFrom = path;
            return this;
        }

        public Builder drill(FailureDrill d) {
            drill = d;
            return this;
        }

        /**
         * Where students compute on the task managers: cpu, gpu, gpu:n or auto (checked there, when the operator
         * opens).
         */
        public Builder device(String d) {
            this.device = d;
            return this;
        }

        public Builder jobName(String n) {
            jobName = n;
            return this;
        }

        /** Unaligned checkpoints (default off): complete without waiting for buffered records to be trained. */
        public Builder unalignedCheckpoints(boolean on) {
            unalignedCheckpoints = on;
            return this;
        }

        public Builder log(PrintStream p) {
            log = p;
            return this;
        }

        public StudentTrainerJob build() {
            Objects.requireNonNull(serdes, "serdes (bootstrap servers and registry URL) is required");
            if (topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("a records topic is required (--topic)");
            }
            if (students.isEmpty()) {
                throw new IllegalArgumentException("at least one student is required (--student <file.yaml>)");
            }
            if (epochs < 1 || epochs > 10_000) {
                throw new IllegalArgumentException("--epochs " + epochs + " is out of range; expected 1 to 10000");
            }
            if (live && epochs != 1) {
                throw new IllegalArgumentException("--epochs applies to replays; a live job reads each record once");
            }
            if (!live && from.kind() == StartPosition.Kind.LATEST) {
                throw new IllegalArgumentException("--from latest replays nothing; use it with --live");
            }
            if (parallelism != null && (parallelism < 1 || parallelism > 256)) {
                throw new IllegalArgumentException(
                        "--parallelism " + parallelism + " is out of range; expected 1 to 256");
            }
            if (checkpointInterval != null && checkpointInterval.toMillis() < 100) {
                throw new IllegalArgumentException("--checkpoint-interval must be at least 100 ms");
            }
            if (jobName == null) {
                jobName = "detrdistill-" + topic + "-"
                        + UUID.randomUUID().toString().substring(0, 8);
            }
            if (checkpointStorage != null
                    && !URI_WITH_SCHEME.matcher(checkpointStorage).matches()) {
                if (onCluster) {
                    throw new IllegalArgumentException("--checkpoint-dir " + checkpointStorage
                            + ": on a cluster give a URI every machine reads the same (file:///shared/..., s3://..., "
                            + "hdfs://...); a bare path would be resolved wherever it is opened");
                }
                checkpointStorage =
                        Path.of(checkpointStorage).toAbsolutePath().toUri().toString();
            }
            return new StudentTrainerJob(this);
        }
    }
}
