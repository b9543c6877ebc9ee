package dev.detrdistill.trainer;

import dev.detrdistill.records.Stage;
import dev.detrdistill.records.TeacherRecord;
import dev.detrdistill.records.Tensor;
import dev.detrdistill.stream.ClaimCheck;
import dev.detrdistill.stream.FileReferences;
import java.util.ArrayList;
import java.util.List;

/**
 * A record with every claim-checked tensor read back into it, so what a student holds (a pending batch, its
 * snapshot) never depends on files that may have gone by the time it trains or restores.
 */
public final class RecordTensors {
    private RecordTensors() {}

    /** @throws BadRecordException naming the missing or refused file */
    public static TeacherRecord inline(TeacherRecord r) {
        if (!hasReferences(r)) {
            return r;
        }
        try {
            TeacherRecord out = TeacherRecord.newBuilder(r).build();
            out.setFeatures(ClaimCheck.resolve(r.getFeatures()));
            out.setMoreFeatureLevels(resolveAll(r.getMoreFeatureLevels()));
            List<Stage> stages = new ArrayList<>();
            for (Stage st : r.getStages()) {
                Stage s = Stage.newBuilder(st).build();
                s.setLogits(ClaimCheck.resolve(st.getLogits()));
                s.setBoxes(ClaimCheck.resolve(st.getBoxes()));
                s.setEmbeddings(ClaimCheck.resolve(st.getEmbeddings()));
                s.setFeatureMask(ClaimCheck.resolve(st.getFeatureMask()));
                s.setMoreFeatureMasks(resolveAll(st.getMoreFeatureMasks()));
                stages.add(s);
            }
            out.setStages(stages);
            out.getGroundTruth().setBoxes(ClaimCheck.resolve(r.getGroundTruth().getBoxes()));
            return out;
        } catch (FileReferences.RefusedReference e) {
            throw new BadRecordException(e.reason(), RecordViews.key(r) + ": " + e.getMessage());
        }
    }

    private static List<Tensor> resolveAll(List<Tensor> ts) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : ts) {
            out.add(ClaimCheck.resolve(t));
        }
        return out;
    }

    private static boolean hasReferences(TeacherRecord r) {
        if (r.getFeatures().getRef() != null || r.getGroundTruth().getBoxes().getRef() != null) {
            return true;
        }
        if (r.getMoreFeatureLevels().stream().anyMatch(t -> t.getRef() != null)) {
            return true;
        }
        for (Stage st : r.getStages()) {
            if (st.getLogits().getRef() != null
                    || st.getBoxes().getRef() != null
                    || st.getEmbeddings().getRef() != null
                    || st.getFeatureMask().getRef() != null
                    || st.getMoreFeatureMasks().stream().anyMatch(t -> t.getRef() != null)) {
                return true;
            }
        }
        return false;
    }
}
