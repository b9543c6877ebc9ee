package dev.detrdistill.app.bench;

import java.util.List;
import java.util.Locale;

/**
 * Both ways of distilling N students, measured.
 *
 * @param onlineAp each online student's final AP on the validation split
 * @param streamedAp each streamed student's final AP
 */
record FleetRow(
        int students,
        int stepsPerStudent,
        Online online,
        Streamed streamed,
        List<Double> onlineAp,
        List<Double> streamedAp) {

    /**
     * @param total wall and CPU of all N runs, one after another
     * @param teacherSeconds wall time inside the teacher's forward passes (part of {@code total})
     */
    record Online(Cost total, double teacherSeconds) {
        double studentSeconds() {
            return total.wallSeconds() - teacherSeconds;
        }
    }

    /**
     * @param produce the one teacher pass: inference, encoding and sending all records (paid once, counted for every N)
     * @param teacherInferenceSeconds the inference part of {@code produce}
     * @param job the Flink job that trains all N students
     * @param stepSeconds the students' optimizer steps, summed over students (teacher-tensor decoding excluded)
     * @param decodeSeconds decoding teacher tensors into arrays, summed over students
     * @param renderSeconds rendering image views from records, summed over students
     * @param studentRecordsPerSecond records times students through the job per wall second
     */
    record Streamed(
            Cost produce,
            double teacherInferenceSeconds,
            Cost job,
            double stepSeconds,
            double decodeSeconds,
            double renderSeconds,
            double studentRecordsPerSecond) {
        Cost total() {
            return produce.plus(job);
        }

        /** The job's wall time not spent in a student's step, rendering or decoding: Kafka, Avro, Flink, state. */
        double jobOverheadSeconds() {
            return Math.max(0, job.wallSeconds() - stepSeconds - decodeSeconds - renderSeconds);
        }

        /** What the job adds around the students' steps, relative to those steps. */
        double overheadShareOfStepTime() {
            return (jobOverheadSeconds() + decodeSeconds + renderSeconds) / Math.max(1e-9, stepSeconds);
        }
    }

    double wallRatio() {
        return streamed.total().wallSeconds() / online.total().wallSeconds();
    }

    double cpuRatio() {
        return streamed.total().cpuSeconds() / online.total().cpuSeconds();
    }

    static String meanStd(List<Double> v) {
        double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double var = v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / Math.max(1, v.size() - 1);
        return v.size() > 1
                ? String.format(Locale.ROOT, "%.4f +- %.4f", mean, Math.sqrt(var))
                : String.format(Locale.ROOT, "%.4f", mean);
    }

    String summary() {
        return String.format(
                Locale.ROOT,
                "N=%d: online wall %.1f s (teacher %.1f s) CPU %.1f s | streamed wall %.1f s (teacher pass %.1f s, "
                        + "job %.1f s: steps %.1f, decode %.1f, render %.1f, other %.1f) CPU %.1f s | "
                        + "streamed/online wall %.2f CPU %.2f | "
                        + "AP online %s streamed %s",
                students,
                online.total().wallSeconds(),
                online.teacherSeconds(),
                online.total().cpuSeconds(),
                streamed.total().wallSeconds(),
                streamed.produce().wallSeconds(),
                streamed.job().wallSeconds(),
                streamed.stepSeconds(),
                streamed.decodeSeconds(),
                streamed.renderSeconds(),
                streamed.jobOverheadSeconds(),
                streamed.total().cpuSeconds(),
                wallRatio(),
                cpuRatio(),
                meanStd(onlineAp),
                meanStd(streamedAp));
    }
}
