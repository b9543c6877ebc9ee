package dev.detrdistill.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster's processes by name ({@code kafka}, {@code registry}, {@code jobmanager}, {@code taskmanager-1}, ...):
 * started detached (they outlive the command that started them), output in {@code logs/<name>.log}, process id in
 * {@code pids/<name>.pid}.
 */
public final class ClusterProcesses {
    private final ClusterLayout layout;

    public ClusterProcesses(ClusterLayout layout) {
        this.layout = layout;
    }

    /** Starts {@code command} as process {@code name}; refuses when one of that name is alive already. */
    public ProcessHandle start(String name, List<String> command, Map<String, String> env) throws IOException {
        Optional<ProcessHandle> running = find(name);
        if (running.isPresent()) {
            throw new IllegalStateException(
                    name + " is running already (pid " + running.get().pid() + ")");
        }
        Files.createDirectories(layout.logs());
        Files.createDirectories(layout.pids());
        ProcessBuilder b = new ProcessBuilder(command)
                .directory(layout.home().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(name).toFile()));
        b.environment().putAll(env);
        Process p = b.start();
        Files.writeString(pidFile(name), String.valueOf(p.pid()));
        return p.toHandle();
    }

    /** The live process of that name, if any (a stale pid file is ignored). */
    public Optional<ProcessHandle> find(String name) throws IOException {
        Path f = pidFile(name);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        long pid = Long.parseLong(Files.readString(f).trim());
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    }

    /** SIGTERM, then SIGKILL after {@code grace}; true when one was running. */
    public boolean stop(String name, Duration grace) throws IOException, InterruptedException {
        Optional<ProcessHandle> p = find(name);
        Files.deleteIfExists(pidFile(name));
        if (p.isEmpty()) {
            return false;
        }
        p.get().destroy();
        try {
            p.get().onExit().get(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            p.get().destroyForcibly();
            p.get().onExit().join();
        }
        return true;
    }

    /** SIGKILL at once, as a crashed machine would: the fault drills. */
    public void kill(String name) throws IOException {
        ProcessHandle p = find(name).orElseThrow(() -> new IllegalStateException(name + " is not running"));
        p.destroyForcibly();
        p.onExit().join();
    }

    public Path log(String name) {
        return layout.logs().resolve(name + ".log");
    }

    private Path pidFile(String name) {
        return layout.pids().resolve(name + ".pid");
    }
}
