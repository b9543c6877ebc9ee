package dev.detrdistill.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * Draws detections on a copy of their image: a box per detection, labelled with class and score, a colour per class.
 */
public final class BoxPainter {
    private static final Color[] PALETTE = {
        new Color(0xE6194B),
        new Color(0x3CB44B),
        new Color(0x4363D8),
        new Color(0xF58231),
        new Color(0x911EB4),
        new Color(0x46F0F0),
        new Color(0xF032E6),
        new Color(0xBCF60C),
        new Color(0x008080),
        new Color(0x9A6324)
    };

    private BoxPainter() {}

    public static BufferedImage paint(BufferedImage image, List<Detection> detections, List<String> classNames) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(image, 0, 0, null);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            float stroke = Math.max(1f, Math.min(image.getWidth(), image.getHeight()) / 200f);
            g.setStroke(new BasicStroke(stroke));
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(9, Math.round(stroke * 6))));
            FontMetrics fm = g.getFontMetrics();
            for (Detection d : detections) {
                Color color = PALETTE[d.classIndex() % PALETTE.length];
                int x = (int) Math.round(d.box().x0());
                int y = (int) Math.round(d.box().y0());
                int w = (int) Math.round(d.box().width());
                int h = (int) Math.round(d.box().height());
                g.setColor(color);
                g.drawRect(x, y, w, h);
                String label = String.format(Locale.ROOT, "%s %.2f", classNames.get(d.classIndex()), d.score());
                int ty = Math.max(fm.getAscent(), y);
                g.fillRect(x, ty - fm.getAscent(), fm.stringWidth(label) + 4, fm.getHeight());
                g.setColor(Color.WHITE);
                g.drawString(label, x + 2, ty - fm.getAscent() + fm.getAscent());
            }
        } finally {
            g.dispose();
        }
        return out;
    }
}
