package dev.detrdistill.trainer;

import dev.detrdistill.data.DetectionTarget;
import dev.detrdistill.data.ImageEntry;
import dev.detrdistill.data.ImageView;
import dev.detrdistill.data.ViewParams;
import dev.detrdistill.data.ViewTransform;
import dev.detrdistill.records.ImageRef;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.TensorCodec;
import dev.detrdistill.records.View;
import dev.detrdistill.stream.ClaimCheck;
import dev.detrdistill.stream.FileReferences;
import dev.detrdistill.stream.RecordKeys;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Renders the exact view a record describes: the image (inline, or by URI with its hash checked),
 * resized, mirrored and placed as the record's {@link View} says, with the record's ground truth.
 * The teacher saw these same pixels.
 */
public final class RecordViews {
    /**
     * Recently decoded images by content hash. Every student of a job renders each record, and an image's
     * views arrive together, so a few dozen entries spare almost every repeated decode.
     */
    private static final SharedLru<String, BufferedImage> DECODED = new SharedLru<>(32, image -> 1);

    /**
     * Rendered views by image hash and view parameters: the N students of a job render the same record,
     * so all but the first take the pixels from here (read-only; batches copy them). 128 MB at most.
     */
    private static final SharedLru<String, float[]> RENDERED = new SharedLru<>(128L << 20, p -> 4L * p.length);

    private RecordViews() {}

    /** @throws BadRecordException when the image cannot be read or does not match its hash */
    public static ImageView render(TeacherRecord r) {
        View v = r.getView();
        ViewParams params =
                new ViewParams(v.getFlip(), v.getScaledSize(), v.getOffsetX(), v.getOffsetY(), v.getOutputSize());
        ImageRef ref = r.getImage();
        String sha = ref.getSha256().toString();
        ImageEntry entry = new ImageEntry(
                r.getImageId().toString(),
                Path.of(r.getImageId().toString()),
                ref.getWidth(),
                ref.getHeight(),
                List.of());
        float[] pixels = RENDERED.get(sha + "|" + params, k -> ViewTransform.apply(entry, decoded(ref, sha, r), params)
                .pixels());
        return new ImageView(entry.id(), pixels, params.outputSize(), target(r), params, 0);
    }

    private static BufferedImage decoded(ImageRef ref, String sha, TeacherRecord r) {
        return DECODED.get(sha, k -> decode(ref, key(r))); // only verified content is cached: decode checks the hash
    }

    public static DetectionTarget target(TeacherRecord r) {
        float[] boxes = TensorCodec.decode(r.getGroundTruth().getBoxes());
        int[] labels = r.getGroundTruth().getLabels().stream()
                .mapToInt(Integer::intValue)
                .toArray();
        return new DetectionTarget(boxes, labels);
    }

    public static String key(TeacherRecord r) {
        return RecordKeys.view(
                r.getTeacherId().toString(),
                r.getTeacherVersion(),
                r.getDatasetId().toString(),
                r.getImageId().toString(),
                r.getViewId());
    }

    private static BufferedImage decode(ImageRef ref, String key) {
        byte[] bytes;
        String where;
        if (ref.getEncoded() != null) {
            bytes = ClaimCheck.bytes(ref.getEncoded());
            where = "inline image";
        } else if (ref.getUri() != null) {
            try {
                bytes = FileReferences.read(ref.getUri().toString(), -1, key + " image");
            } catch (FileReferences.RefusedReference e) {
                throw new BadRecordException(e.reason(), e.getMessage());
            }
            where = "image " + ref.getUri();
        } else {
            throw new BadRecordException(
                    "unreadable image", key + ": the record carries neither image bytes nor a URI");
        }
        // Verified content only enters the cache, which is keyed by this hash.
        String sha = ClaimCheck.sha256(bytes);
        if (!sha.equals(ref.getSha256().toString())) {
            throw new BadRecordException(
                    "unreadable image",
                    key + ": " + where + " does not match the record's sha256 " + ref.getSha256()
                            + " (changed or corrupted since the teacher saw it)");
        }
        try {
            BufferedImage img =
                    dev.detrdistill.data.ImageDecoder.decode(new ByteArrayInputStream(bytes), key + " image");
            if (img == null) {
                throw new BadRecordException("unreadable image", key + ": image bytes are not a readable PNG/JPEG");
            }
            return img;
        } catch (IOException e) {
            throw new BadRecordException("unreadable image", key + ": image cannot be decoded: " + e.getMessage());
        }
    }
}
