package dev.detrdistill.producer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.detrdistill.data.Batches;
import dev.detrdistill.data.DataFormatException;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.data.ImageEntry;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.data.ViewParams;
import dev.detrdistill.data.ViewTransform;
import dev.detrdistill.distill.FeatureMask;
import dev.detrdistill.distill.OnlineTeacher;
import dev.detrdistill.distill.TeacherKnowledge;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.progress.ProgressBar;
import dev.detrdistill.records.NonFiniteTensorException;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.stream.ClaimCheck;
import dev.detrdistill.stream.DeadLetter;
import dev.detrdistill.stream.RecordKeys;
import dev.detrdistill.stream.RecordSerdes;
import dev.detrdistill.stream.TopicScan;
import dev.detrdistill.stream.Topics;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Runs a teacher once per image view and publishes what it knows. Records are keyed by
 * {@code dataset/image/view}; keys already on the topic are skipped, so re-running after a failure or
 * with more views adds only what is missing. Bad input (unreadable image, NaN in the teacher's output, a
 * record over the size limit without a claim check) goes to the dead-letter topic with the reason.
 */
public final class TeacherProducer {
    private final RecordSerdes serdes;
    private final String topic;
    private final String teacherId;
    private final int teacherVersion;
    private final EncodingPolicy encodings;
    private final int views;
    private final int batchSize;
    private final long seed;
    private final ClaimCheck claimCheck;
    private final int partitions;
    private final long retentionMs;
    private final java.util.Optional<Short> replicationFactor;
    private final int batchesPerTransaction;
    private final PrintStream log;

    private TeacherProducer(Builder b) {
        serdes = Objects.requireNonNull(b.serdes, "serdes");
        topic = Objects.requireNonNull(b.topic, "topic");
        teacherId = b.teacherId;
        teacherVersion = b.teacherVersion;
        encodings = b.encodings;
        views = b.views;
        batchSize = b.batchSize;
        seed = b.seed;
        claimCheck = b.claimCheckDir == null ? null : new ClaimCheck(b.claimCheckDir);
        partitions = b.partitions;
        retentionMs = b.retentionMs;
        replicationFactor = b.replicationFactor;
        batchesPerTransaction = b.batchesPerTransaction;
        log = b.log;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder in the style of Kafka's and Flink's: validated at {@link #build()}. */
    public static final class Builder {
        private RecordSerdes serdes;
        private String topic;
        private String teacherId = ProducerSettings.TEACHER_ID.defaultValue();
        private int teacherVersion = ProducerSettings.TEACHER_VERSION.defaultValue();
        private EncodingPolicy encodings = EncodingPolicy.parse(ProducerSettings.ENCODING.defaultValue());
        private int views = ProducerSettings.VIEWS.defaultValue();
        private int batchSize = ProducerSettings.BATCH.defaultValue();
        private long seed = ProducerSettings.SEED.defaultValue();
        private Path claimCheckDir;
        private int partitions = ProducerSettings.PARTITIONS.defaultValue();
        private long retentionMs = ProducerSettings.RETENTION_MS.defaultValue();
        private java.util.Optional<Short> replicationFactor = java.util.Optional.empty();
        private int batchesPerTransaction = 32;

        /** Every setting of a {@link ProducerSettings#PRODUCE} group's values. */
        public Builder settings(dev.detrdistill.config.Settings s) {
            return teacher(s.get(ProducerSettings.TEACHER_ID), s.get(ProducerSettings.TEACHER_VERSION))
                    .encodings(EncodingPolicy.parse(s.get(ProducerSettings.ENCODING)))
                    .views(s.get(ProducerSettings.VIEWS))
                    .batchSize(s.get(ProducerSettings.BATCH))
                    .seed(s.get(ProducerSettings.SEED))
                    .partitions(s.get(ProducerSettings.PARTITIONS))
                    .retentionMs(s.get(ProducerSettings.RETENTION_MS));
        }

        private PrintStream log = System.out;

        public Builder serdes(RecordSerdes s) {
            serdes = s;
            return this;
        }

        public Builder topic(String t) {
            topic = t;
            return this;
        }

        public Builder teacher(String id, int version) {
            teacherId = id;
            teacherVersion = version;
            return this;
        }

        public Builder encodings(EncodingPolicy e) {
            encodings = e;
            return this;
        }

        /** Views per image: view 0 is the plain resized image, views 1.. are seeded augmentations. */
        public Builder views(int k) {
            views = k;
            return this;
        }

        public Builder batchSize(int b) {
            batchSize = b;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder claimCheckDir(Path dir) {
            claimCheckDir = dir;
            return this;
        }

        public Builder partitions(int p) {
            partitions = p;
            return this;
        }

        /**
         * Batches per Kafka transaction (32): few commit markers on the topic, and a run killed mid-way loses at most
         * this much work (its open transaction is aborted; the next run produces what is missing).
         */
        public Builder batchesPerTransaction(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("batchesPerTransaction must be >= 1, got " + n);
            }
            this.batchesPerTransaction = n;
            return this;
        }

        /** Replication factor of the topics the producer creates; empty (the default): the broker's. */
        public Builder replicationFactor(java.util.Optional<Short> r) {
            replicationFactor = r;
            return this;
        }

        public Builder retentionMs(long ms) {
            retentionMs = ms;
            return this;
        }

        public Builder log(PrintStream out) {
            log = out;
            return this;
        }

        public TeacherProducer build() {
            if (topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("topic is required");
            }
            if (views < 1 || views > 64) {
                throw new IllegalArgumentException("views=" + views + " is out of range; expected 1..64");
            }
            if (batchSize < 1 || batchSize > 256) {
                throw new IllegalArgumentException("batchSize=" + batchSize + " is out of range; expected 1..256");
            }
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions=" + partitions + " must be positive");
            }
            return new TeacherProducer(this);
        }
    }

    /** The view with id {@code viewId} of an image: reproducible from (seed, image id, view id). */
    public ViewParams view(String imageId, int viewId, int size) {
        if (viewId == 0) {
            return ViewParams.identity(size);
        }
        SplittableRandom r = new SplittableRandom(seed * 31 + imageId.hashCode() * 1_000_003L + viewId);
        return ViewParams.random(r, size, 0.8, 1.2, 0.5);
    }

    /** Produces with one of our own detectors. */
    public ProduceSummary run(DetrModel teacher, List<String> classNames, DetectionDataset data) throws IOException {
        return run(new CheckpointTeacher(teacher), classNames, data);
    }

    public ProduceSummary run(TeacherRunner teacher, List<String> classNames, DetectionDataset data)
            throws IOException {
        long wall0 = System.nanoTime();
        Topics.ensure(serdes.admin(), topic, partitions, replicationFactor, retentionMs, serdes.maxRecordBytes());
        try (Session session = new Session(teacher, data.name())) {
            // Fenced first, then scanned: after initTransactions no earlier producer of this teacher version can
            // commit,
            // so the keys read now are all there will be, and each missing one is written by this run alone.
            Set<String> existing = existingKeys();
            TeacherCard card = teacher.card(classNames, teacherId, teacherVersion);
            CardConflicts.refuseADifferentCard(serdes, topic, card);
            session.publishCard(card);
            List<Pending> pending = new ArrayList<>();
            long total = (long) data.images().size() * views;
            ProgressBar bar = new ProgressBar(log, "produce", total);
            for (ImageEntry entry : data.images()) {
                pending.addAll(session.missingViews(entry, existing));
                while (pending.size() >= batchSize) {
                    List<Pending> batch = new ArrayList<>(pending.subList(0, batchSize));
                    pending.subList(0, batchSize).clear();
                    session.publishBatch(batch);
                    bar.update(session.done, 0, session.rate(wall0));
                }
            }
            if (!pending.isEmpty()) {
                session.publishBatch(pending);
            }
            session.flush();
            bar.update(total, 0, session.rate(wall0));
            session.summary.wallSeconds = (System.nanoTime() - wall0) / 1e9;
            return session.summary;
        }
    }

    /** A view waiting for its batch: the image file's bytes (carried in the record) and its decoded pixels. */
    private record Pending(
            ImageEntry entry, int viewId, String key, byte[] bytes, String sha256, BufferedImage image) {}

    /**
     * One run's clients, scratch and counts: reads images, runs the teacher per batch, publishes records or dead
     * letters.
     */
    private final class Session implements AutoCloseable {
        final ProduceSummary summary = new ProduceSummary();
        final TeacherRunner teacher;
        final String datasetId;
        final TeacherRecordFactory factory;
        final SetCriterion criterion = new SetCriterion(LossWeights.defaults());
        final AtomicReference<Exception> sendError = new AtomicReference<>();
        final KafkaProducer<String, Object> producer;
        final KafkaProducer<byte[], byte[]> dlq;
        final NDManager manager;
        long done;
        long bytesSent;

        Session(TeacherRunner teacher, String datasetId) {
            this.teacher = teacher;
            this.datasetId = datasetId;
            this.factory = new TeacherRecordFactory(datasetId, teacherId, teacherVersion, encodings);
            this.producer = new KafkaProducer<>(serdes.transactionalProducer(
                    "teacher-producer-" + teacherId,
                    "detrdistill-produce-" + topic + "-" + teacherId + "-v" + teacherVersion));
            producer.initTransactions();
            this.dlq = new KafkaProducer<>(serdes.rawProducer("teacher-producer-dlq-" + teacherId));
            this.manager = dev.detrdistill.model.Devices.newManager();
        }

        void publishCard(TeacherCard card) throws IOException {
            inTransaction(() -> producer.send(
                    new ProducerRecord<>(Topics.cardsTopic(topic), RecordKeys.card(teacherId, teacherVersion), card),
                    this::check));
        }

        private boolean open;
        private int batchesInTransaction;

        /** Runs {@code sends} inside the open transaction (beginning one if needed). */
        private void inTransaction(Runnable sends) throws IOException {
            guarded(() -> {
                if (!open) {
                    producer.beginTransaction();
                    open = true;
                    batchesInTransaction = 0;
                }
                sends.run();
            });
        }

        /** Commits the open transaction, if any. */
        private void commit() throws IOException {
            if (open) {
                guarded(producer::commitTransaction);
                open = false;
            }
        }

        /** A producer fenced by a newer one stops with a message; any other failure aborts the transaction. */
        private void guarded(Runnable action) throws IOException {
            try {
                action.run();
            } catch (org.apache.kafka.common.errors.ProducerFencedException
                    | org.apache.kafka.common.errors.InvalidProducerEpochException e) {
                open = false;
                throw new IOException(
                        "another producer of teacher " + teacherId + " v" + teacherVersion + " on " + topic
                                + " took over (it fenced this one after " + summary.produced
                                + " records); this one stopped",
                        e);
            } catch (org.apache.kafka.common.KafkaException e) {
                if (open) {
                    try {
                        producer.abortTransaction();
                    } catch (RuntimeException ignored) {
                        // the broker aborts it when it times out
                    }
                    open = false;
                }
                String hint = String.valueOf(e.getMessage()).contains("401")
                                || String.valueOf(e.getCause()).contains("401")
                        ? " (the schema registry asks for credentials: --registry-config with basic.auth.user.info)"
                        : "";
                throw new IOException("sending to " + topic + " failed: " + e.getMessage() + hint, e);
            }
        }

        /**
         * The views of {@code entry} not yet on the topic, decoded once; an unreadable image is a dead letter per view.
         */
        List<Pending> missingViews(ImageEntry entry, Set<String> existing) {
            List<Integer> missing = new ArrayList<>();
            for (int v = 0; v < views; v++) {
                if (existing.contains(RecordKeys.view(teacherId, teacherVersion, datasetId, entry.id(), v))) {
                    summary.skipped++;
                    done++;
                } else {
                    missing.add(v);
                }
            }
            if (missing.isEmpty()) {
                return List.of();
            }
            byte[] bytes;
            BufferedImage image;
            try {
                bytes = Files.readAllBytes(entry.file());
                image = ImageCache.read(entry); // a corrupt or missing file fails here, with its name
            } catch (DataFormatException | IOException e) {
                for (int v : missing) {
                    deadLetter(
                            RecordKeys.view(teacherId, teacherVersion, datasetId, entry.id(), v),
                            "unreadable image",
                            e.getMessage(),
                            entry.file());
                    done++;
                }
                return List.of();
            }
            String sha256 = ClaimCheck.sha256(bytes);
            List<Pending> out = new ArrayList<>();
            for (int v : missing) {
                // Every view of the image renders from this one decoded copy and shares its hash.
                out.add(new Pending(
                        entry,
                        v,
                        RecordKeys.view(teacherId, teacherVersion, datasetId, entry.id(), v),
                        bytes,
                        sha256,
                        image));
            }
            return out;
        }

        /** One teacher forward pass over the batch, then a record (or a dead letter) per view. */
        void publishBatch(List<Pending> batch) throws IOException {
            failFast();
            List<ImageView> viewsOfBatch = new ArrayList<>();
            for (Pending p : batch) {
                viewsOfBatch.add(
                        ViewTransform.apply(p.entry, p.image, view(p.entry.id(), p.viewId, teacher.imageSize())));
            }
            try (NDManager step = manager.newSubManager();
                    NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                TeacherKnowledge k = infer(step, viewsOfBatch);
                // Transactions of batchesPerTransaction batches: a run killed mid-way leaves whole transactions,
                // and the next run fills in the rest.
                inTransaction(() -> {
                    for (int b = 0; b < batch.size(); b++) {
                        Pending p = batch.get(b);
                        long e0 = System.nanoTime();
                        TeacherRecord record;
                        try {
                            record = factory.create(k, b, p.entry, viewsOfBatch.get(b), p.viewId, p.bytes, p.sha256);
                        } catch (NonFiniteTensorException e) {
                            deadLetter(p.key, "non-finite teacher output", e.getMessage(), p.entry.file());
                            continue;
                        }
                        publish(p, record, e0);
                    }
                });
            }
            done += batch.size();
            if (++batchesInTransaction >= batchesPerTransaction) {
                commit();
            }
        }

        private TeacherKnowledge infer(NDManager step, List<ImageView> viewsOfBatch) {
            long t0 = System.nanoTime();
            NDArray images = Batches.images(step, viewsOfBatch);
            TeacherKnowledge k = OnlineTeacher.fromOutput(
                    teacher.forward(images), Batches.targets(viewsOfBatch), criterion, FeatureMask.Kind.COSINE);
            k.logits().get(k.numStages() - 1).toFloatArray(); // wait for the forward pass before timing stops
            summary.inferenceSeconds += (System.nanoTime() - t0) / 1e9;
            return k;
        }

        /** Sends the record, by claim check when it is over the size limit and a claim-check folder is set. */
        private void publish(Pending p, TeacherRecord record, long encodeStart) {
            Map<String, Long> fields = RecordSizer.fieldBytes(record);
            long recordBytes = recordSize(record, fields);
            if (recordBytes > serdes.maxRecordBytes() - 1024) {
                if (claimCheck == null) {
                    deadLetter(
                            p.key,
                            "record over size limit",
                            "record is " + recordBytes + " bytes; max.request.size "
                                    + "(--max-record-bytes) is " + serdes.maxRecordBytes()
                                    + "; raise it together with the topic's "
                                    + "max.message.bytes, or set --claim-check-dir",
                            p.entry.file());
                    return;
                }
                record = claimCheck.offload(record);
                fields = RecordSizer.fieldBytes(record);
                recordBytes = RecordSizer.avroBytes(record);
                summary.claimChecked++;
            }
            summary.recordBytes += recordBytes;
            fields.forEach((f, v) -> summary.fieldBytes.merge(f, v, Long::sum));
            summary.encodeSeconds += (System.nanoTime() - encodeStart) / 1e9;
            long s0 = System.nanoTime();
            producer.send(new ProducerRecord<>(topic, p.key, record), this::check);
            summary.sendSeconds += (System.nanoTime() - s0) / 1e9;
            summary.produced++;
            bytesSent += recordBytes;
        }

        /**
         * An image or view the producer could not publish: to {@code <topic>.dlq} in the one dead-letter format,
         * counted.
         */
        void deadLetter(String key, String reason, String detail, Path source) {
            dlq.send(
                    new DeadLetter(key, null, "none", reason, detail, "producer", source.toString())
                            .toProducerRecord(Topics.producerDeadLetters(topic), null),
                    this::check);
            summary.dead(reason);
            log.println("dead letter " + key + ": " + reason + ": " + detail);
        }

        /** A send that already failed stops the run before the teacher runs on more images. */
        private void failFast() throws IOException {
            if (sendError.get() != null) {
                throw new IOException(
                        "sending to " + topic + " failed after " + summary.produced + " records: "
                                + sendError.get().getMessage() + " (stopped before running the teacher on the rest; "
                                + "a re-run produces only what is missing)",
                        sendError.get());
            }
        }

        /** Waits for every send; a failed send fails the run, naming the topic. */
        void flush() throws IOException {
            long t0 = System.nanoTime();
            commit();
            producer.flush();
            dlq.flush();
            summary.sendSeconds += (System.nanoTime() - t0) / 1e9;
            if (sendError.get() != null) {
                throw new IOException(
                        "sending to " + topic + " failed: " + sendError.get().getMessage(), sendError.get());
            }
        }

        /** Send callback: the first failure is kept and stops the run at the next batch (or at the end). */
        private void check(org.apache.kafka.clients.producer.RecordMetadata metadata, Exception e) {
            if (e != null) {
                sendError.compareAndSet(null, e);
            }
        }

        String rate(long wall0) {
            return String.format(
                    Locale.ROOT, "%.1f MB/s", bytesSent / 1e6 / Math.max(1e-9, (System.nanoTime() - wall0) / 1e9));
        }

        @Override
        public void close() {
            manager.close();
            dlq.close();
            producer.close();
        }
    }

    private long framingBytes = -1;

    /**
     * The record's Avro size without serialising it twice: tensor payloads plus the framing (field
     * headers, ids, shapes), measured exactly on the first record. Records of one teacher differ only
     * in payload sizes and ground-truth counts, so a 1 KiB margin covers the rest; near the limit the
     * exact size is measured.
     */
    private long recordSize(TeacherRecord record, Map<String, Long> fields) {
        long payload = fields.values().stream().mapToLong(Long::longValue).sum();
        if (framingBytes < 0) {
            framingBytes = RecordSizer.avroBytes(record) - payload;
        }
        long estimate = payload + framingBytes + 1024;
        return estimate > serdes.maxRecordBytes() - 4096 ? RecordSizer.avroBytes(record) : estimate;
    }

    /** Keys already on the records topic (read to the current end), so a re-run does not duplicate them. */
    private Set<String> existingKeys() {
        Set<String> keys = new HashSet<>();
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(serdes.rawConsumer("teacher-producer-scan-" + System.nanoTime()))) {
            TopicScan<String, byte[]> scan = TopicScan.open(c, topic, Duration.ofSeconds(60));
            long total = scan.total();
            ProgressBar bar = new ProgressBar(System.err, "scanning existing keys", total);
            long[] read = {0};
            scan.forEach(null, r -> {
                keys.add(r.key());
                bar.update(Math.min(++read[0], total), 0, "records");
            });
            bar.update(total, 0, "records");
        }
        return keys;
    }
}
