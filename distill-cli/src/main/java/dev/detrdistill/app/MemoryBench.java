package dev.detrdistill.app;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.detrdistill.cli.DataOptions;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.ImageCache;
import dev.detrdistill.loss.LossWeights;
import dev.detrdistill.loss.SetCriterion;
import dev.detrdistill.model.DetectorConfigs;
import dev.detrdistill.model.DetrConfig;
import dev.detrdistill.model.DetrModel;
import dev.detrdistill.train.BatchSampler;
import dev.detrdistill.train.DetectorTrainer;
import dev.detrdistill.train.TrainOptions;
import dev.detrdistill.train.TrainSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "memory",
        mixinStandardHelpOptions = true,
        description =
                "Train for many steps and print resident memory (RSS) periodically; it must stay flat after warm-up.")
final class MemoryBench implements Callable<Integer> {
    @Option(names = "--steps", defaultValue = "2000", description = "Training steps. Default: ${DEFAULT-VALUE}")
    int steps;

    @Option(names = "--every", defaultValue = "250", description = "Print RSS every n steps. Default: ${DEFAULT-VALUE}")
    int every;

    @Option(names = "--config", defaultValue = "tiny", description = "Detector config. Default: ${DEFAULT-VALUE}")
    String config;

    @Option(names = "--batch", defaultValue = "8", description = "Batch size. Default: ${DEFAULT-VALUE}")
    int batch;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        System.out.println(dev.detrdistill.progress.MachineFacts.current().describe());
        DetectionDataset train = data.load("train");
        DetrConfig c = DetectorConfigs.load(config, train.numClasses());
        TrainOptions options = TrainSettings.options(TrainSettings.TRAIN
                .defaults()
                .with(TrainSettings.STEPS, steps)
                .with(TrainSettings.BATCH, batch)
                .with(TrainSettings.EVAL_EVERY, 0)
                .with(TrainSettings.CHECKPOINT_EVERY, 0)
                .with(TrainSettings.SEED, 1L));
        Engine.getInstance().setRandomSeed(1);
        List<Long> samples = new ArrayList<>();
        try (NDManager manager = dev.detrdistill.model.Devices.newManager()) {
            DetrModel model = new DetrModel(c).initializeParameters(manager);
            DetectorTrainer trainer =
                    new DetectorTrainer(model, new SetCriterion(LossWeights.defaults()), manager, options);
            BatchSampler sampler = new BatchSampler(train, new ImageCache(2 * c.imageSize()), options, c.imageSize());
            long t0 = System.nanoTime();
            System.out.printf(Locale.ROOT, "memory step=0 rss_mb=%d%n", rssMb());
            for (int step = 0; step < steps; step++) {
                DetectorTrainer.StepResult r = trainer.step(step, sampler.batch(step));
                if ((step + 1) % every == 0) {
                    long rss = rssMb();
                    samples.add(rss);
                    System.out.printf(
                            Locale.ROOT,
                            "memory step=%d rss_mb=%d loss=%.3f elapsed_s=%.0f%n",
                            step + 1,
                            rss,
                            r.losses().get("loss"),
                            (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        if (samples.size() >= 2) {
            long ref = samples.get(0);
            long max = samples.stream().mapToLong(Long::longValue).max().orElse(ref);
            double growth = 100.0 * (max - ref) / ref;
            System.out.printf(
                    Locale.ROOT,
                    "memory after_warmup_rss_mb=%d max_rss_mb=%d growth_pct=%.1f %s%n",
                    ref,
                    max,
                    growth,
                    growth <= 10 ? "FLAT" : "GROWING");
        }
        return 0;
    }

    /** Resident set size of this process from /proc (Linux), in MiB. */
    static long rssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }
}
