package dev.detrdistill.stream;

import dev.detrdistill.records.Stage;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.Tensor;
import dev.detrdistill.records.TensorRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
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

    /** The tensor with its data read back from the claim check (or itself when inline). */
    public static Tensor resolve(Tensor t) {
        if (t.getRef() == null) {
            return t;
        }
        try {
            byte[] data = Files.readAllBytes(Path.of(URI.create(t.getRef().getUri())));
            String sha = sha256(data);
            if (!sha.equals(t.getRef().getSha256())) {
                throw new IllegalStateException("claim-check file " + t.getRef().getUri() + " has sha256 " + sha
                        + ", record says " + t.getRef().getSha256());
            }
            return Tensor.newBuilder(t)
                    .setData(ByteBuffer.wrap(data))
                    .setRef(null)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read claim-check file " + t.getRef().getUri(), e);
        }
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
