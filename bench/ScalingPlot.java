import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws bench/scaling.sh's measurements as one PNG with two panels (run with
 * {@code java bench/ScalingPlot.java IN.tsv OUT.png}; a bench tool, not part of kdml):
 * left, milliseconds per image against the batch size (flat is ideal); right, milliseconds per
 * step against the number of students, with the line through the 1-student point and the
 * 2-student slope (on it is linear). Input rows: {@code panel side x median low high}, tab-separated,
 * where panel is {@code batch} or {@code students}, side {@code kdml} or {@code pytorch}, and the
 * three values are milliseconds (median and the spread over rounds).
 */
public final class ScalingPlot {

    private record Point(double x, double median, double low, double high) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: java bench/ScalingPlot.java IN.tsv OUT.png");
        }
        Map<String, Map<String, List<Point>>> panels = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            if (f.length != 6) {
                throw new IllegalArgumentException(args[0] + ": expected 6 tab-separated fields, got: " + line);
            }
            panels.computeIfAbsent(f[0], k -> new LinkedHashMap<>()).computeIfAbsent(f[1], k -> new ArrayList<>())
                    .add(new Point(Double.parseDouble(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4]),
                            Double.parseDouble(f[5])));
        }
        int w = 980;
        int h = 380;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        panel(g, panels.getOrDefault("batch", Map.of()), 70, "ms per image vs batch size (flat = ideal)", "batch", false);
        panel(g, panels.getOrDefault("students", Map.of()), 560, "ms per step vs students (dashed: linear)", "students",
                true);
        g.dispose();
        ImageIO.write(img, "png", Path.of(args[1]).toFile());
    }

    private static void panel(Graphics2D g, Map<String, List<Point>> series, int x0, String title, String xLabel,
            boolean linear) {
        int y0 = 40;
        int pw = 330;
        int ph = 270;
        Color[] palette = {new Color(31, 119, 180), new Color(255, 127, 14)};
        double xMin = Double.MAX_VALUE;
        double xMax = -Double.MAX_VALUE;
        double yMax = 0;
        for (List<Point> s : series.values()) {
            for (Point p : s) {
                xMin = Math.min(xMin, p.x());
                xMax = Math.max(xMax, p.x());
                yMax = Math.max(yMax, p.high());
            }
        }
        yMax = niceCeil(yMax * 1.1);
        double lo = xMin;
        double span = Math.max(1e-9, xMax - xMin);
        g.setColor(Color.BLACK);
        g.drawString(title, x0, 22);
        g.drawRect(x0, y0, pw, ph);
        for (int i = 0; i <= 4; i++) {
            int y = y0 + ph - i * ph / 4;
            g.setColor(new Color(230, 230, 230));
            g.drawLine(x0 + 1, y, x0 + pw - 1, y);
            g.setColor(Color.GRAY);
            g.drawString(String.format("%.0f", yMax * i / 4), x0 - 40, y + 4);
        }
        int c = 0;
        for (Map.Entry<String, List<Point>> s : series.entrySet()) {
            List<Point> pts = s.getValue();
            Color color = palette[c % palette.length];
            g.setColor(color);
            g.setStroke(new BasicStroke(2f));
            int[] px = new int[pts.size()];
            int[] py = new int[pts.size()];
            for (int i = 0; i < pts.size(); i++) {
                Point p = pts.get(i);
                px[i] = x0 + 20 + (int) ((p.x() - lo) / span * (pw - 40));
                py[i] = y0 + ph - (int) (p.median() / yMax * ph);
                int top = y0 + ph - (int) (p.high() / yMax * ph);
                int bottom = y0 + ph - (int) (p.low() / yMax * ph);
                g.drawLine(px[i], top, px[i], bottom);
                g.drawLine(px[i] - 4, top, px[i] + 4, top);
                g.drawLine(px[i] - 4, bottom, px[i] + 4, bottom);
                g.fillOval(px[i] - 3, py[i] - 3, 7, 7);
                g.setColor(Color.DARK_GRAY);
                g.drawString(String.format("%.0f", p.x()), px[i] - 6, y0 + ph + 16);
                g.setColor(color);
            }
            g.drawPolyline(px, py, pts.size());
            if (linear && pts.size() >= 2) {
                // The line through the first point with the slope of the first two: where the others lie on it, the cost is linear.
                double slope = (pts.get(1).median() - pts.get(0).median()) / (pts.get(1).x() - pts.get(0).x());
                Point last = pts.get(pts.size() - 1);
                double yLast = pts.get(0).median() + slope * (last.x() - pts.get(0).x());
                g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 4f},
                        0f));
                g.drawLine(px[0], py[0], px[pts.size() - 1], y0 + ph - (int) (yLast / yMax * ph));
            }
            g.setStroke(new BasicStroke(1f));
            g.drawString(s.getKey(), x0 + pw - 70, y0 + 18 + 16 * c);
            c++;
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString(xLabel, x0 + pw / 2 - 20, y0 + ph + 32);
    }

    private static double niceCeil(double v) {
        if (v <= 0) {
            return 1;
        }
        double step = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * step >= v) {
                return m * step;
            }
        }
        return 10 * step;
    }
}
