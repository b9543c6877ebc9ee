package dev.detrdistill.trainer;

import dev.detrdistill.records.TeacherCard;
import dev.detrdistill.records.Tensor;
import dev.detrdistill.records.TensorCodec;
import java.util.Arrays;

/**
 * Checks a teacher card before its records are trusted: counts and sizes in range, the normalisation and the query
 * prior of the right shape and finite. A bad card makes each of its records a dead letter ({@link #INVALID_CARD}),
 * never a failed job.
 */
public final class CardValidator {
    public static final String INVALID_CARD = "invalid teacher card";

    private CardValidator() {}

    /** @throws BadRecordException naming the card and the field */
    public static void check(TeacherCard card) {
        String who = "teacher card " + card.getTeacherId() + " v" + card.getTeacherVersion();
        range(who, "classNames", card.getClassNames().size(), 1, 100_000);
        range(who, "numStages", card.getNumStages(), 1, 64);
        range(who, "numQueries", card.getNumQueries(), 1, 100_000);
        range(who, "hiddenDim", card.getHiddenDim(), 1, 65_536);
        range(who, "inputSize", card.getInputSize(), 16, 8192);
        vector(who, "pixelMean", card.getPixelMean(), 3);
        vector(who, "pixelStd", card.getPixelStd(), 3);
        int[] prior = shape(who, "queryPrior", card.getQueryPrior());
        if (prior.length != 2 || prior[0] != card.getNumQueries() || prior[1] < 1) {
            throw bad(who + ": queryPrior has shape " + Arrays.toString(prior) + ", expected (" + card.getNumQueries()
                    + ", P)");
        }
        finite(who, "queryPrior", card.getQueryPrior());
    }

    private static void range(String who, String field, int v, int lo, int hi) {
        if (v < lo || v > hi) {
            throw bad(who + ": " + field + " = " + v + " is out of range [" + lo + ", " + hi + "]");
        }
    }

    private static void vector(String who, String field, Tensor t, int n) {
        int[] s = shape(who, field, t);
        if (s.length != 1 || s[0] != n) {
            throw bad(who + ": " + field + " has shape " + Arrays.toString(s) + ", expected (" + n + ")");
        }
        float[] v = finite(who, field, t);
        if (field.equals("pixelStd")) {
            for (float x : v) {
                if (!(x > 0)) {
                    throw bad(who + ": pixelStd holds " + x + "; every value must be > 0");
                }
            }
        }
    }

    private static int[] shape(String who, String field, Tensor t) {
        if (t == null) {
            throw bad(who + ": " + field + " is missing");
        }
        return TensorCodec.shape(t);
    }

    private static float[] finite(String who, String field, Tensor t) {
        float[] v;
        try {
            v = TensorCodec.decode(t);
        } catch (RuntimeException e) {
            throw bad(who + ": " + field + " cannot be decoded: " + e.getMessage());
        }
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw bad(who + ": " + field + " holds " + v[i] + " at flat index " + i);
            }
        }
        return v;
    }

    private static BadRecordException bad(String message) {
        return new BadRecordException(INVALID_CARD, message);
    }
}
