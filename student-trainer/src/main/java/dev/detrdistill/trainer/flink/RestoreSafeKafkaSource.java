package dev.detrdistill.trainer.flink;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KafkaSource} whose bounded readers end after a restore too.
 *
 * <p>Why: a bounded reader ends only once its enumerator signals "no more splits". Kafka's enumerator (connector
 * 5.0.0-2.2) signals that from the handler of its first partition discovery, but a restored enumerator whose
 * partitions are all assigned already finds no change, returns early and never signals; its readers, holding no split
 * or one read to its stopping offset, then wait forever (the resumed-job hang of docs/trainer.md). This source watches
 * the restored enumerator's first discovery: when it finishes without scheduling split initialisation (nothing new),
 * no split will ever come, so every registered reader, and every reader registered later, is told so. When the
 * discovery finds new partitions, Kafka's own enumerator assigns them and signals as it does on a fresh start.
 * Splits, state and serializers are Kafka's own, so checkpoints stay interchangeable with a plain KafkaSource.
 */
final class RestoreSafeKafkaSource<T>
        implements Source<T, KafkaPartitionSplit, KafkaSourceEnumState>, ResultTypeQueryable<T> {

    private static final Logger LOG = LoggerFactory.getLogger(RestoreSafeKafkaSource.class);
    private static final String RESTORED_WITHOUT_NEW_PARTITIONS =
            "Restored bounded Kafka source found no new partitions: its readers get no more splits";

    private final KafkaSource<T> kafka;

    RestoreSafeKafkaSource(KafkaSource<T> kafka) {
        this.kafka = kafka;
    }

    @Override
    public Boundedness getBoundedness() {
        return kafka.getBoundedness();
    }

    @Override
    public SourceReader<T, KafkaPartitionSplit> createReader(SourceReaderContext context) throws Exception {
        return kafka.createReader(context);
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> createEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context) throws Exception {
        return kafka.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restoreEnumerator(
            SplitEnumeratorContext<KafkaPartitionSplit> context, KafkaSourceEnumState state) throws Exception {
        if (kafka.getBoundedness() != Boundedness.BOUNDED) {
            return kafka.restoreEnumerator(context, state);
        }
        FirstDiscoveryWatch watch = new FirstDiscoveryWatch(context);
        return new EndSignallingEnumerator(kafka.restoreEnumerator(watch, state), watch);
    }

    @Override
    public SimpleVersionedSerializer<KafkaPartitionSplit> getSplitSerializer() {
        return kafka.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<KafkaSourceEnumState> getEnumeratorCheckpointSerializer() {
        return kafka.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return kafka.getProducedType();
    }

    /** The restored enumerator, plus "no more splits" for readers once the first discovery found nothing new. */
    private static final class EndSignallingEnumerator
            implements SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> {
        private final SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> kafka;
        private final FirstDiscoveryWatch watch;

        EndSignallingEnumerator(
                SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> kafka, FirstDiscoveryWatch watch) {
            this.kafka = kafka;
            this.watch = watch;
        }

        @Override
        public void start() {
            kafka.start();
        }

        @Override
        public void handleSplitRequest(int subtask, String host) {
            kafka.handleSplitRequest(subtask, host);
        }

        @Override
        public void addSplitsBack(List<KafkaPartitionSplit> splits, int subtask) {
            kafka.addSplitsBack(splits, subtask);
        }

        @Override
        public void addReader(int subtask) {
            kafka.addReader(subtask); // assigns what is pending for it first
            if (watch.foundNothingNew) {
                watch.signalNoMoreSplits(subtask);
            }
        }

        @Override
        public KafkaSourceEnumState snapshotState(long checkpointId) throws Exception {
            return kafka.snapshotState(checkpointId);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            kafka.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void handleSourceEvent(int subtask, SourceEvent event) {
            kafka.handleSourceEvent(subtask, event);
        }

        @Override
        public void close() throws java.io.IOException {
            kafka.close();
        }
    }

    /**
     * The context handed to Kafka's restored enumerator. Its first one-off async call is the partition discovery;
     * if that call's handler schedules no further call (split initialisation), the discovery found nothing new.
     * Every method runs on the coordinator thread except the callables, which this class does not touch.
     */
    private static final class FirstDiscoveryWatch implements SplitEnumeratorContext<KafkaPartitionSplit> {
        private final SplitEnumeratorContext<KafkaPartitionSplit> context;
        private int oneOffCalls;
        private boolean foundNothingNew;

        FirstDiscoveryWatch(SplitEnumeratorContext<KafkaPartitionSplit> context) {
            this.context = context;
        }

        @Override
        public <R> void callAsync(Callable<R> callable, BiConsumer<R, Throwable> handler) {
            boolean discovery = ++oneOffCalls == 1;
            context.callAsync(
                    callable,
                    !discovery
                            ? handler
                            : (result, error) -> {
                                int before = oneOffCalls;
                                handler.accept(result, error); // throws when the discovery failed: the job fails over
                                if (oneOffCalls == before) {
                                    foundNothingNew = true;
                                    LOG.info(RESTORED_WITHOUT_NEW_PARTITIONS);
                                    context.registeredReaders().keySet().forEach(this::signalNoMoreSplits);
                                }
                            });
        }

        @Override
        public <R> void callAsync(
                Callable<R> callable, BiConsumer<R, Throwable> handler, long initialDelayMs, long periodMs) {
            context.callAsync(callable, handler, initialDelayMs, periodMs);
        }

        @Override
        public SplitEnumeratorMetricGroup metricGroup() {
            return context.metricGroup();
        }

        @Override
        public void sendEventToSourceReader(int subtask, SourceEvent event) {
            context.sendEventToSourceReader(subtask, event);
        }

        @Override
        public void sendEventToSourceReader(int subtask, int attempt, SourceEvent event) {
            context.sendEventToSourceReader(subtask, attempt, event);
        }

        @Override
        public int currentParallelism() {
            return context.currentParallelism();
        }

        @Override
        public Map<Integer, ReaderInfo> registeredReaders() {
            return context.registeredReaders();
        }

        @Override
        public Map<Integer, Map<Integer, ReaderInfo>> registeredReadersOfAttempts() {
            return context.registeredReadersOfAttempts();
        }

        @Override
        public void assignSplits(SplitsAssignment<KafkaPartitionSplit> assignment) {
            context.assignSplits(assignment);
        }

        @Override
        public void assignSplit(KafkaPartitionSplit split, int subtask) {
            context.assignSplit(split, subtask);
        }

        @Override
        public void signalNoMoreSplits(int subtask) {
            context.signalNoMoreSplits(subtask);
        }

        @Override
        public void runInCoordinatorThread(Runnable runnable) {
            context.runInCoordinatorThread(runnable);
        }

        @Override
        public void setIsProcessingBacklog(boolean backlog) {
            context.setIsProcessingBacklog(backlog);
        }
    }
}
