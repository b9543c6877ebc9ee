package dev.detrdistill.stack;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The local cluster's Kafka broker as its own JVM: {@code StandaloneBroker <log-dir> <port> <controller-port>}. A
 * single KRaft node on loopback whose log directory persists across restarts; it prints {@code ready <bootstrap>}
 * once it serves, and stops cleanly on SIGTERM.
 */
public final class StandaloneBroker {
    private StandaloneBroker() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: StandaloneBroker <log-dir> <port> <controller-port>");
            System.exit(2);
        }
        EmbeddedKafka kafka =
                EmbeddedKafka.startPersistent(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }));
        System.out.println("ready " + kafka.bootstrapServers());
        System.out.flush();
        stopped.await();
    }
}
