package dev.detrdistill.stream;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the files a record names (claim checks, image URIs) and nothing else: {@code file:} URIs only, under the
 * configured roots (symbolic links resolved first), regular files only (a FIFO or a device is refused without
 * being opened), of the declared length when the record declares one, and at most a capped size. A record can
 * therefore neither read {@code /etc/hostname} nor hang the job on a pipe.
 *
 * <p>Roots: the system property {@code detrdistill.references.roots} (paths separated by the platform's path
 * separator); by default the working directory and the temporary directory. Cap: {@code
 * detrdistill.references.maxBytes} (default 512 MiB).
 */
public final class FileReferences {
    /** Why a reference was refused: a short, stable reason for dead-letter counts, and the message. */
    public static final class RefusedReference extends RuntimeException {
        private final String reason;

        RefusedReference(String reason, String message) {
            super(message);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    public static final String MISSING = "missing referenced file";
    public static final String REFUSED = "reference refused";

    private FileReferences() {}

    /**
     * @param uri the reference as the record gives it
     * @param declaredLength the length the record declares, or -1
     * @param what names the reference in messages ("claim check of stages[0].embeddings")
     */
    public static byte[] read(String uri, long declaredLength, String what) {
        Path file = confined(uri, what);
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new RefusedReference(MISSING, what + ": cannot read " + uri + ": " + e.getMessage());
        }
        if (size > maxBytes()) {
            throw new RefusedReference(
                    REFUSED, what + ": " + uri + " is " + size + " bytes, over the " + maxBytes() + " allowed");
        }
        if (declaredLength >= 0 && size != declaredLength) {
            throw new RefusedReference(
                    MISSING,
                    what + ": " + uri + " is " + size + " bytes, the record declares " + declaredLength
                            + " (truncated or replaced)");
        }
        byte[] out = new byte[(int) size];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(out, 0, out.length);
            if (n != size || in.read() != -1) {
                throw new RefusedReference(MISSING, what + ": " + uri + " changed while it was read");
            }
        } catch (IOException e) {
            throw new RefusedReference(MISSING, what + ": cannot read " + uri + ": " + e.getMessage());
        }
        return out;
    }

    /** The real path of a {@code file:} URI under a root, naming a regular file; refused otherwise. */
    static Path confined(String uri, String what) {
        URI parsed;
        try {
            parsed = URI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new RefusedReference(REFUSED, what + ": " + uri + " is not a URI");
        }
        if (!"file".equalsIgnoreCase(parsed.getScheme())) {
            throw new RefusedReference(
                    REFUSED,
                    what + ": only file: URIs are read, got "
                            + (parsed.getScheme() == null ? "a relative reference" : parsed.getScheme() + ":"));
        }
        Path real;
        try {
            real = Path.of(parsed).toRealPath();
        } catch (NoSuchFileException e) {
            throw new RefusedReference(MISSING, what + ": " + uri + " does not exist");
        } catch (IOException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw new RefusedReference(REFUSED, what + ": cannot resolve " + uri + ": " + e.getMessage());
        }
        if (roots().stream().noneMatch(real::startsWith)) {
            throw new RefusedReference(
                    REFUSED,
                    what + ": " + uri + " is outside the readable roots " + roots()
                            + " (detrdistill.references.roots)");
        }
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new RefusedReference(REFUSED, what + ": " + uri + " is not a regular file");
        }
        return real;
    }

    /** The readable roots, as real paths (those that exist). */
    public static List<Path> roots() {
        String configured = System.getProperty("detrdistill.references.roots");
        List<String> names = configured == null || configured.isBlank()
                ? List.of(System.getProperty("user.dir"), System.getProperty("java.io.tmpdir"))
                : List.of(configured.split(File.pathSeparator));
        List<Path> out = new ArrayList<>();
        for (String n : names) {
            try {
                out.add(Path.of(n.trim()).toRealPath());
            } catch (IOException | RuntimeException e) {
                // a root that does not exist holds nothing to read
            }
        }
        return out;
    }

    static long maxBytes() {
        return Long.getLong("detrdistill.references.maxBytes", 512L << 20);
    }
}
