package dev.detrdistill.trainer.flink;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Counts dead letters by reason: as Flink metrics ({@code deadLetters.<reason>}) while the job runs and
 * as accumulators the job's result reports at the end.
 */
final class DeadLetterCounter {
    private final RuntimeContext context;
    private final MetricGroup group;
    private final Map<String, Counter> counters = new HashMap<>();
    private final Map<String, LongCounter> accumulators = new HashMap<>();

    DeadLetterCounter(RuntimeContext context) {
        this.context = context;
        this.group = context.getMetricGroup().addGroup("deadLetters");
    }

    RefusedRecord count(RefusedRecord d) {
        counters.computeIfAbsent(d.reason, r -> group.counter(r.replace(' ', '_')))
                .inc();
        accumulators
                .computeIfAbsent(d.reason, r -> {
                    String name = ACCUMULATOR_PREFIX + r;
                    Object existing = context.getAccumulator(name);
                    LongCounter c = existing instanceof LongCounter l ? l : null;
                    if (c == null) {
                        c = new LongCounter();
                        context.addAccumulator(name, c);
                    }
                    return c;
                })
                .add(1);
        return d;
    }

    static final String ACCUMULATOR_PREFIX = "deadLetters/";
}
