package dev.detrdistill.app.producer;

import dev.detrdistill.stack.EmbeddedKafka;
import dev.detrdistill.stack.EmbeddedRegistry;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

@Command(
        name = "stack",
        mixinStandardHelpOptions = true,
        description = "Run an embedded Kafka broker and schema registry in the foreground until Ctrl-C (in-memory; for "
                + "local use).")
public final class StackCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        EmbeddedRegistry registry = EmbeddedRegistry.start();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            registry.close();
            kafka.close();
            stop.countDown();
        }));
        System.out.println("--bootstrap-servers " + kafka.bootstrapServers() + " --registry-url " + registry.url());
        System.out.println("Confluent-compatible registry API: " + registry.ccompatUrl() + "   (Ctrl-C stops both)");
        stop.await();
        return 0;
    }
}
