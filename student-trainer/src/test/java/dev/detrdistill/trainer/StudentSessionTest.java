package dev.detrdistill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.detrdistill.data.DatasetLoader;
import dev.detrdistill.data.DetectionDataset;
import dev.detrdistill.data.SyntheticShapes;
import dev.detrdistill.records.AvroTrust;
import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.train.Checkpoint;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A student learning from records, without Flink: batching, snapshots, bad records. */
class StudentSessionTest {
    @TempDir
    static Path tmp;

    static DetectionDataset data;
    static TeacherCard card;
    static List<TeacherRecord> records;

    @BeforeAll
    static void records() throws Exception {
        AvroTrust.trustRecordClasses();
        data = DatasetLoader.load(
                SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(7, 3, 48, 1, 3, 11)), "train");
        try (NDManager m = NDManager.newBaseManager()) {
            var teacher = TeacherFixture.teacher(m, data.numClasses());
            card = TeacherFixture.card(teacher, data);
            records = TeacherFixture.records(teacher, data, m);
        }
    }

    private static byte[] train(StudentSession s, List<TeacherRecord> rs) throws Exception {
        rs.forEach(s::accept);
        return Checkpoint.parameterBytes(s.model());
    }

    @Test
    void snapshotInTheMiddleOfABatchContinuesBitForBit() throws Exception {
        StudentSpec spec = TeacherFixture.student("s", true, 3, tmp.resolve("out"), null);
        byte[] uninterrupted;
        try (StudentSession s = StudentSession.create(spec, card, 5)) {
            uninterrupted = train(s, records);
            assertEquals(2, s.step(), "7 records in batches of 3: two full steps, one record pending");
            s.finish();
            assertEquals(3, s.step(), "finish trains the partial batch");
            uninterrupted = Checkpoint.parameterBytes(s.model());
        }
        byte[] snapshot;
        try (StudentSession s = StudentSession.create(spec, card, 5)) {
            train(s, records.subList(0, 4)); // one step, one record pending
            snapshot = s.snapshot();
        }
        try (StudentSession s = StudentSession.restore(spec, snapshot)) {
            assertEquals(1, s.step());
            assertEquals(4, s.records());
            train(s, records.subList(4, records.size()));
            s.finish();
            assertEquals(3, s.step());
            assertArrayEquals(
                    uninterrupted,
                    Checkpoint.parameterBytes(s.model()),
                    "restored run must end with identical weights");
        }
        assertTrue(Files.exists(tmp.resolve("out/s/checkpoint/model.params")));
        assertTrue(Files.readString(tmp.resolve("out/s/summary.json")).contains("\"steps\" : 3"));
    }

    @Test
    void distillationChangesWhatTheStudentLearns() throws Exception {
        byte[] baseline;
        byte[] distilled;
        try (StudentSession s =
                StudentSession.create(TeacherFixture.student("b", false, 3, tmp.resolve("o2"), null), card, 3)) {
            baseline = train(s, records.subList(0, 6));
            assertFalse(
                    s.lastLosses().containsKey("distill_ld"),
                    "a baseline has no distillation terms: " + s.lastLosses().keySet());
        }
        try (StudentSession s =
                StudentSession.create(TeacherFixture.student("d", true, 3, tmp.resolve("o2"), null), card, 3)) {
            distilled = train(s, records.subList(0, 6));
            assertTrue(
                    s.lastLosses()
                            .keySet()
                            .containsAll(List.of("distill_ld", "distill_cl", "distill_fd", "distill_ad")),
                    "terms: " + s.lastLosses().keySet());
        }
        assertFalse(java.util.Arrays.equals(baseline, distilled));
    }

    @Test
    void unreadableImageAndOtherTeacherVersionAreRefusedPerRecord() throws Exception {
        try (StudentSession s =
                StudentSession.create(TeacherFixture.student("x", true, 2, tmp.resolve("o3"), null), card, 3)) {
            TeacherRecord broken = TeacherRecord.newBuilder(records.get(0)).build();
            byte[] junk = {1, 2, 3};
            broken.getImage().setEncoded(ByteBuffer.wrap(junk));
            broken.getImage().setSha256(dev.detrdistill.stream.ClaimCheck.sha256(junk));
            BadRecordException e = assertThrows(BadRecordException.class, () -> s.accept(broken));
            assertEquals("unreadable image", e.reason());
            assertTrue(
                    e.getMessage().contains(data.name() + "/" + records.get(0).getImageId() + "/0"), e.getMessage());

            // Bytes that do not match the record's hash are refused (images are cached by verified hash).
            TeacherRecord tampered = TeacherRecord.newBuilder(records.get(3)).build();
            tampered.getImage().setEncoded(ByteBuffer.wrap(junk));
            tampered.getImage().setSha256("ab".repeat(32));
            StudentSession fresh =
                    StudentSession.create(TeacherFixture.student("y", false, 2, tmp.resolve("o4"), null), card, 3);
            try (fresh) {
                BadRecordException t = assertThrows(BadRecordException.class, () -> fresh.accept(tampered));
                assertTrue(t.getMessage().contains("sha256"), t.getMessage());
            }

            TeacherRecord other = TeacherRecord.newBuilder(records.get(1))
                    .setTeacherVersion(2)
                    .build();
            assertEquals(
                    "other teacher version",
                    assertThrows(BadRecordException.class, () -> s.accept(other))
                            .reason());
            assertEquals(0, s.records(), "refused records are not counted as trained");
            s.accept(records.get(2));
            assertEquals(1, s.records());
        }
    }

    @Test
    void validatorNamesTheFieldAndTheRecord() {
        TeacherRecord ok = records.get(0);
        RecordValidator.check(ok, card);
        TeacherRecord nan = TeacherRecord.newBuilder(ok).build();
        ByteBuffer logits = ByteBuffer.allocate(
                        nan.getStages().get(1).getLogits().getData().remaining())
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        logits.putFloat(0, Float.NaN);
        nan.getStages().get(1).getLogits().setData(logits);
        BadRecordException e = assertThrows(BadRecordException.class, () -> RecordValidator.check(nan, card));
        assertEquals(RecordValidator.NON_FINITE, e.reason());
        assertTrue(e.getMessage().contains("stages[1].logits"), e.getMessage());

        TeacherRecord shallow = TeacherRecord.newBuilder(ok)
                .setStages(ok.getStages().subList(0, 1))
                .build();
        assertEquals(
                RecordValidator.SHAPE,
                assertThrows(BadRecordException.class, () -> RecordValidator.check(shallow, card))
                        .reason());

        // A level whose mask is missing, and a card from before the features moved to the encoder's input.
        TeacherRecord moreLevels = TeacherRecord.newBuilder(ok)
                .setMoreFeatureLevels(List.of(ok.getFeatures()))
                .build();
        e = assertThrows(BadRecordException.class, () -> RecordValidator.check(moreLevels, card));
        assertTrue(e.getMessage().contains("moreFeatureMasks"), e.getMessage());
        dev.detrdistill.records.TeacherCard v1 = dev.detrdistill.records.TeacherCard.newBuilder(card)
                .setFeatureSource("encoder-memory")
                .build();
        e = assertThrows(BadRecordException.class, () -> RecordValidator.check(ok, v1));
        assertEquals(RecordValidator.STALE_CARD, e.reason());
        assertTrue(e.getMessage().contains("produce again"), e.getMessage());
    }
}
