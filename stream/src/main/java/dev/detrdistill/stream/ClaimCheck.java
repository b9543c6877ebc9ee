package dev.detrdistill.stream;

import dev.detrdistill.records.Stage;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.Tensor;
import dev.detrdistill.records.TensorRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Claim check for records above the size limit: the feature map and masks go to content-addressed files
 * ({@code <sha256>.bin}) and the record keeps their URI and hash. {@link #resolve} reads them back and
 * verifies the hash.
 */
public final class ClaimCheck {
    private final Path dir;

    public ClaimCheck(Path dir) {
        this.dir = dir;
    }

    public TeacherRecord offload(TeacherRecord r) {
        try {
            Files.createDirectories(dir);
            TeacherRecord out = TeacherRecord.newBuilder(r).build();
            out.setFeatures(offload(out.getFeatures()));
            out.setMoreFeatureLevels(offloadAll(out.getMoreFeatureLevels()));
            for (Stage s : out.getStages()) {
                s.setFeatureMask(offload(s.getFeatureMask()));
                s.setMoreFeatureMasks(offloadAll(s.getMoreFeatureMasks()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write claim-check files under " + dir, e);
        }
    }

    private java.util.List<Tensor> offloadAll(java.util.List<Tensor> tensors) throws IOException {
        java.util.List<Tensor> out = new java.util.ArrayList<>(tensors.size());
        for (Tensor t : tensors) {
            out.add(offload(t));
        }
        return out;
    }

    private Tensor offload(Tensor t) throws IOException {
        byte[] data = bytes(t.getData());
        String sha = sha256(data);
        Path file = dir.resolve(sha + ".bin");
        if (!Files.exists(file)) {
            Path tmp = Files.createTempFile(dir, sha, ".tmp");
            Files.write(tmp, data);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        Tensor out = Tensor.newBuilder(t)
                .setData(ByteBuffer.allocate(0))
                .setRef(TensorRef.newBuilder()
                        .setUri(file.toUri().toString())
                        .setSha256(sha)
                        .setLength(data.length)
                        .build())
                .build();
        return out;
    }

    /**
     * The tensor with its data read back from the claim check (or itself when inline), through {@link FileReferences}:
     * only under the readable roots, regular files of the declared length, content of the declared hash.
     *
     * @throws FileReferences.RefusedReference naming the reason ({@link FileReferences#MISSING} for a file that is
     *     gone, truncated or changed; {@link FileReferences#REFUSED} for one that may not be read)
     */
    public static Tensor resolve(Tensor t) {
        if (t.getRef() == null) {
            return t;
        }
        String uri = t.getRef().getUri();
        byte[] data = FileReferences.read(uri, t.getRef().getLength(), "claim-check file");
        if (!sha256(data).equals(t.getRef().getSha256())) {
            // The file's own hash is not echoed: a record must not learn the hash of a file it named.
            throw new FileReferences.RefusedReference(
                    FileReferences.MISSING,
                    "claim-check file " + uri + " does not match the record's sha256 (changed since it was written)");
        }
        return Tensor.newBuilder(t).setData(ByteBuffer.wrap(data)).setRef(null).build();
    }

    /** Bytes of a ByteBuffer without disturbing its position. */
    public static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
