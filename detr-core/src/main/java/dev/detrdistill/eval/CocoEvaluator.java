package dev.detrdistill.eval;

import dev.detrdistill.box.Box;
import dev.detrdistill.data.Annotation;
import dev.detrdistill.data.ImageEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bounding-box evaluation with the semantics of pycocotools' COCOeval: IoU thresholds .50:.05:.95,
 * 101-point interpolated precision, area ranges all/small/medium/large, maxDets 1/10/100, crowd ground
 * truth matched but ignored (IoU against a crowd box is intersection over the detection's area).
 */
public final class CocoEvaluator {
    static final double[] IOU_THRESHOLDS = {0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95};
    static final int RECALL_POINTS = 101;
    static final int[] MAX_DETS = {1, 10, 100};
    static final double[][] AREA_RANGES = {{0, 1e10}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e10}};

    private final List<ImageEntry> images;
    private final List<String> classNames;

    public CocoEvaluator(List<ImageEntry> images, List<String> classNames) {
        this.images = images;
        this.classNames = classNames;
    }

    /** Per (image, class) matching result at all IoU thresholds, for the top 100 detections. */
    private record ImageResult(double[] scores, boolean[][] matched, boolean[][] ignored, int nonIgnoredGt) {}

    public CocoMetrics evaluate(List<Detection> detections) {
        Map<String, Map<Integer, List<Detection>>> byImage = new HashMap<>();
        for (Detection d : detections) {
            byImage.computeIfAbsent(d.imageId(), k -> new HashMap<>())
                    .computeIfAbsent(d.classIndex(), k -> new ArrayList<>())
                    .add(d);
        }
        int t = IOU_THRESHOLDS.length;
        int k = classNames.size();
        int a = AREA_RANGES.length;
        int m = MAX_DETS.length;
        double[][][][][] precision = new double[t][RECALL_POINTS][k][a][m];
        double[][][][] recall = new double[t][k][a][m];
        for (int c = 0; c < k; c++) {
            for (int ai = 0; ai < a; ai++) {
                List<ImageResult> results = new ArrayList<>();
                for (ImageEntry im : images) {
                    List<Detection> dts =
                            byImage.getOrDefault(im.id(), Map.of()).getOrDefault(c, List.of());
                    ImageResult r = evaluateImage(im, c, dts, AREA_RANGES[ai]);
                    if (r != null) {
                        results.add(r);
                    }
                }
                for (int mi = 0; mi < m; mi++) {
                    accumulate(results, MAX_DETS[mi], precision, recall, c, ai, mi);
                }
            }
        }
        double[] stats = new double[12];
        stats[0] = meanPrecision(precision, -1, 0, 2, -1);
        stats[1] = meanPrecision(precision, 0, 0, 2, -1);
        stats[2] = meanPrecision(precision, 5, 0, 2, -1);
        stats[3] = meanPrecision(precision, -1, 1, 2, -1);
        stats[4] = meanPrecision(precision, -1, 2, 2, -1);
        stats[5] = meanPrecision(precision, -1, 3, 2, -1);
        stats[6] = meanRecall(recall, 0, 0);
        stats[7] = meanRecall(recall, 0, 1);
        stats[8] = meanRecall(recall, 0, 2);
        stats[9] = meanRecall(recall, 1, 2);
        stats[10] = meanRecall(recall, 2, 2);
        stats[11] = meanRecall(recall, 3, 2);
        Map<String, Double> perClass = new LinkedHashMap<>();
        Map<String, Double> perClass50 = new LinkedHashMap<>();
        for (int c = 0; c < k; c++) {
            perClass.put(classNames.get(c), meanPrecision(precision, -1, 0, 2, c));
            perClass50.put(classNames.get(c), meanPrecision(precision, 0, 0, 2, c));
        }
        return new CocoMetrics(stats, perClass, perClass50);
    }

    private static ImageResult evaluateImage(ImageEntry im, int c, List<Detection> dts, double[] range) {
        List<Annotation> gts =
                im.annotations().stream().filter(g -> g.classIndex() == c).toList();
        if (gts.isEmpty() && dts.isEmpty()) {
            return null;
        }
        // Ground truth: ignored ones (crowd or outside the area range) go last, stable otherwise.
        int ng = gts.size();
        Integer[] gOrder = new Integer[ng];
        boolean[] gIgnoreRaw = new boolean[ng];
        for (int g = 0; g < ng; g++) {
            gOrder[g] = g;
            double area = gts.get(g).evaluationArea();
            gIgnoreRaw[g] = gts.get(g).crowd() || area < range[0] || area > range[1];
        }
        Arrays.sort(gOrder, Comparator.comparingInt(g -> gIgnoreRaw[g] ? 1 : 0));
        Annotation[] gt = new Annotation[ng];
        boolean[] gIgnore = new boolean[ng];
        for (int g = 0; g < ng; g++) {
            gt[g] = gts.get(gOrder[g]);
            gIgnore[g] = gIgnoreRaw[gOrder[g]];
        }
        List<Detection> sorted = new ArrayList<>(dts);
        sorted.sort(Comparator.comparingDouble(Detection::score).reversed()); // stable, like mergesort
        if (sorted.size() > MAX_DETS[MAX_DETS.length - 1]) {
            sorted = sorted.subList(0, MAX_DETS[MAX_DETS.length - 1]);
        }
        int nd = sorted.size();
        int t = IOU_THRESHOLDS.length;
        boolean[][] dtMatched = new boolean[t][nd];
        boolean[][] dtIgnore = new boolean[t][nd];
        double[][] ious = new double[nd][ng];
        for (int d = 0; d < nd; d++) {
            Box db = sorted.get(d).box();
            for (int g = 0; g < ng; g++) {
                ious[d][g] = gt[g].crowd() ? crowdIou(db, gt[g].box()) : db.iou(gt[g].box());
            }
        }
        for (int ti = 0; ti < t; ti++) {
            boolean[] gtMatched = new boolean[ng];
            for (int d = 0; d < nd; d++) {
                double best = Math.min(IOU_THRESHOLDS[ti], 1 - 1e-10);
                int match = -1;
                for (int g = 0; g < ng; g++) {
                    if (gtMatched[g] && !gt[g].crowd()) {
                        continue;
                    }
                    if (match > -1 && !gIgnore[match] && gIgnore[g]) {
                        break;
                    }
                    if (ious[d][g] < best) {
                        continue;
                    }
                    best = ious[d][g];
                    match = g;
                }
                if (match == -1) {
                    continue;
                }
                dtIgnore[ti][d] = gIgnore[match];
                dtMatched[ti][d] = true;
                gtMatched[match] = true;
            }
            for (int d = 0; d < nd; d++) {
                double area = sorted.get(d).box().area();
                if (!dtMatched[ti][d] && (area < range[0] || area > range[1])) {
                    dtIgnore[ti][d] = true;
                }
            }
        }
        double[] scores = sorted.stream().mapToDouble(Detection::score).toArray();
        int nonIgnored = 0;
        for (boolean ig : gIgnore) {
            nonIgnored += ig ? 0 : 1;
        }
        return new ImageResult(scores, dtMatched, dtIgnore, nonIgnored);
    }

    private static double crowdIou(Box det, Box crowd) {
        double a = det.area();
        return a > 0 ? det.intersection(crowd) / a : 0;
    }

    private static void accumulate(
            List<ImageResult> results,
            int maxDet,
            double[][][][][] precision,
            double[][][][] recall,
            int c,
            int ai,
            int mi) {
        int npig = results.stream().mapToInt(ImageResult::nonIgnoredGt).sum();
        int t = IOU_THRESHOLDS.length;
        if (npig == 0) {
            for (int ti = 0; ti < t; ti++) {
                recall[ti][c][ai][mi] = -1;
                for (int r = 0; r < RECALL_POINTS; r++) {
                    precision[ti][r][c][ai][mi] = -1;
                }
            }
            return;
        }
        // Concatenate each image's top maxDet detections, then sort all by score (stable).
        List<int[]> refs = new ArrayList<>(); // {result index, detection index}
        for (int i = 0; i < results.size(); i++) {
            int n = Math.min(maxDet, results.get(i).scores().length);
            for (int d = 0; d < n; d++) {
                refs.add(new int[] {i, d});
            }
        }
        refs.sort(Comparator.comparingDouble((int[] r) -> -results.get(r[0]).scores()[r[1]]));
        int nd = refs.size();
        for (int ti = 0; ti < t; ti++) {
            double[] rc = new double[nd];
            double[] pr = new double[nd];
            double tp = 0;
            double fp = 0;
            int n = 0;
            for (int[] r : refs) {
                ImageResult res = results.get(r[0]);
                boolean ig = res.ignored()[ti][r[1]];
                boolean mt = res.matched()[ti][r[1]];
                if (!ig) {
                    if (mt) {
                        tp++;
                    } else {
                        fp++;
                    }
                }
                rc[n] = tp / npig;
                pr[n] = tp / (fp + tp + Math.ulp(1.0));
                n++;
            }
            recall[ti][c][ai][mi] = nd > 0 ? rc[nd - 1] : 0;
            for (int i = nd - 1; i > 0; i--) {
                if (pr[i] > pr[i - 1]) {
                    pr[i - 1] = pr[i];
                }
            }
            for (int r = 0; r < RECALL_POINTS; r++) {
                double thr = r / 100.0;
                int idx = searchLeft(rc, thr);
                precision[ti][r][c][ai][mi] = idx < nd ? pr[idx] : 0;
            }
        }
    }

    /** First index i with a[i] >= v (numpy searchsorted, side='left'); a is non-decreasing. */
    private static int searchLeft(double[] a, double v) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * Mean over valid (> -1) precision entries; {@code iou} = -1 for all thresholds, {@code cls} = -1 for all classes.
     */
    private double meanPrecision(double[][][][][] p, int iou, int area, int maxDet, int cls) {
        double sum = 0;
        int n = 0;
        for (int ti = 0; ti < IOU_THRESHOLDS.length; ti++) {
            if (iou >= 0 && ti != iou) {
                continue;
            }
            for (int r = 0; r < RECALL_POINTS; r++) {
                for (int c = 0; c < classNames.size(); c++) {
                    if (cls >= 0 && c != cls) {
                        continue;
                    }
                    double v = p[ti][r][c][area][maxDet];
                    if (v > -1) {
                        sum += v;
                        n++;
                    }
                }
            }
        }
        return n == 0 ? -1 : sum / n;
    }

    private double meanRecall(double[][][][] rec, int area, int maxDet) {
        double sum = 0;
        int n = 0;
        for (double[][][] byClass : rec) {
            for (int c = 0; c < classNames.size(); c++) {
                double v = byClass[c][area][maxDet];
                if (v > -1) {
                    sum += v;
                    n++;
                }
            }
        }
        return n == 0 ? -1 : sum / n;
    }
}
