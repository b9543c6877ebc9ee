package dev.detrdistill.trainer.flink;

import java.util.Locale;

/** A student's progress after a step that was logged or evaluated, and at the end: the job's output stream. */
public class StudentProgress {
    public String student;
    public int step;
    public int plannedSteps;
    public long records;
    public float loss;
    public float lr;
    /** COCO AP / AP50 when the student was just evaluated, else NaN. */
    public double ap = Double.NaN;

    public double ap50 = Double.NaN;
    public boolean last;
    /** Share of the student's time spent rendering views from records, relative to its optimizer steps. */
    public double renderShare;

    public String checkpoint;
    /** Wall-clock seconds to the planned last step at the pace since this run started, NaN before it is known. */
    public double etaSeconds = Double.NaN;

    public StudentProgress() {}

    public String line() {
        StringBuilder b = new StringBuilder(String.format(
                Locale.ROOT,
                "student %-12s step %6d/%d  records %7d  loss %.3f  lr %.2e",
                student,
                step,
                plannedSteps,
                records,
                loss,
                lr));
        if (!last && !Double.isNaN(etaSeconds)) {
            b.append("  ETA ").append(dev.detrdistill.progress.ProgressBar.duration(etaSeconds));
        }
        if (!Double.isNaN(ap)) {
            b.append(String.format(Locale.ROOT, "  AP %.3f AP50 %.3f", ap, ap50));
        }
        if (last) {
            b.append(String.format(
                    Locale.ROOT, "  done (render %.1f%% of step time)  checkpoint %s", 100 * renderShare, checkpoint));
        }
        return b.toString();
    }
}
