package dev.detrdistill.box;

/**
 * An axis-aligned box {@code (x0, y0, x1, y1)} as plain doubles, for host-side code (matching costs,
 * evaluation, data transforms) where NDArrays would only add overhead.
 */
public record Box(double x0, double y0, double x1, double y1) {
    public static Box fromCxcywh(double cx, double cy, double w, double h) {
        return new Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
    }

    public static Box fromXywh(double x, double y, double w, double h) {
        return new Box(x, y, x + w, y + h);
    }

    public double width() {
        return x1 - x0;
    }

    public double height() {
        return y1 - y0;
    }

    public double area() {
        return Math.max(0, width()) * Math.max(0, height());
    }

    public double cx() {
        return (x0 + x1) / 2;
    }

    public double cy() {
        return (y0 + y1) / 2;
    }

    public boolean isDegenerate() {
        return !(width() > 0 && height() > 0) || !Double.isFinite(x0 + y0 + x1 + y1);
    }

    public Box clip(double w, double h) {
        return new Box(clamp(x0, 0, w), clamp(y0, 0, h), clamp(x1, 0, w), clamp(y1, 0, h));
    }

    public Box scale(double sx, double sy) {
        return new Box(x0 * sx, y0 * sy, x1 * sx, y1 * sy);
    }

    public Box translate(double dx, double dy) {
        return new Box(x0 + dx, y0 + dy, x1 + dx, y1 + dy);
    }

    /** Mirror about the vertical axis of an image of width {@code w}. */
    public Box flipHorizontal(double w) {
        return new Box(w - x1, y0, w - x0, y1);
    }

    public Box flipVertical(double h) {
        return new Box(x0, h - y1, x1, h - y0);
    }

    public double intersection(Box o) {
        double iw = Math.min(x1, o.x1) - Math.max(x0, o.x0);
        double ih = Math.min(y1, o.y1) - Math.max(y0, o.y0);
        return iw > 0 && ih > 0 ? iw * ih : 0;
    }

    public double iou(Box o) {
        double inter = intersection(o);
        double union = area() + o.area() - inter;
        return union > 0 ? inter / union : 0;
    }

    public double giou(Box o) {
        double inter = intersection(o);
        double union = area() + o.area() - inter;
        double iou = union > 0 ? inter / union : 0;
        double hull = (Math.max(x1, o.x1) - Math.min(x0, o.x0)) * (Math.max(y1, o.y1) - Math.min(y0, o.y0));
        return hull > 0 ? iou - (hull - union) / hull : iou;
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
