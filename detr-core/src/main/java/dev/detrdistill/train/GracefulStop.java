package dev.detrdistill.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns Ctrl-C / SIGTERM into "finish this step, save a checkpoint, stop": a shutdown hook sets the
 * flag and holds the JVM until the loop says it is done (or 120 s pass). Exiting while libtorch is in
 * the middle of an op crashed the JVM; this lets the step end first.
 */
final class GracefulStop {
    private volatile boolean requested;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    private GracefulStop() {
        hook = new Thread(
                () -> {
                    requested = true;
                    try {
                        finished.await(120, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "graceful-stop");
    }

    static GracefulStop install() {
        GracefulStop s = new GracefulStop();
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    boolean requested() {
        return requested;
    }

    /** The loop has ended (normally or by a stop request): release the hook. */
    void done() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running and now returns
        }
    }
}
