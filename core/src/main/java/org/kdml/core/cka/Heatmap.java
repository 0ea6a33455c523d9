package org.kdml.core.cka;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Renders a CKA matrix as a PNG heatmap: layer names on both axes, a colour bar, a title.
 * Undefined cells (a layer constant on the sample) are hatched grey, not a colour of the scale,
 * with a legend entry "undefined" under the colour bar.
 */
public final class Heatmap {

    /** Fill of an undefined cell, between its hatch lines; no colour of the scale is grey. */
    static final Color UNDEFINED = new Color(208, 208, 208);
    /** The hatch lines of an undefined cell. */
    static final Color HATCH = new Color(112, 112, 112);

    private static final int CELL = 14;
    private static final int LEFT = 120;
    private static final int TOP = 36;
    private static final int BOTTOM = 110;
    private static final int BAR = 90;

    private Heatmap() {
    }

    /**
     * Writes {@code m} to {@code file}.
     *
     * @param m the matrix (rows: y axis, first network; columns: x axis, second network)
     * @param rowsLabel name of the first network, e.g. {@code teacher (resnet50)}
     * @param colsLabel name of the second network
     * @param title e.g. the run's variant
     */
    public static void write(LayerCka m, String rowsLabel, String colsLabel, String title, Path file) throws IOException {
        int w = Math.max(LEFT + m.cols().size() * CELL + BAR, 16 + 7 * Math.max(title.length(),
                12 + rowsLabel.length() + colsLabel.length()));
        int h = TOP + m.rows().size() * CELL + BOTTOM;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        g.drawString(title, 4, 14);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
        g.drawString("rows: " + rowsLabel + "   columns: " + colsLabel, 4, 28);
        for (int i = 0; i < m.rows().size(); i++) {
            // Row 0 at the bottom, like a plot with layer depth increasing upwards.
            int y = cell(m, i, 0).y;
            for (int j = 0; j < m.cols().size(); j++) {
                Rectangle c = cell(m, i, j);
                if (Double.isNaN(m.values()[i][j])) {
                    hatch(g, c);
                } else {
                    g.setColor(colour(m.values()[i][j]));
                    g.fillRect(c.x, c.y, c.width, c.height);
                }
            }
            g.setColor(Color.BLACK);
            g.drawString(shorten(m.rows().get(i)), 2, y + CELL - 3);
        }
        AffineTransform original = g.getTransform();
        for (int j = 0; j < m.cols().size(); j++) {
            int x = LEFT + j * CELL + CELL - 3;
            int y = TOP + m.rows().size() * CELL + 4;
            g.setTransform(original);
            g.rotate(Math.PI / 2, x, y);
            g.drawString(shorten(m.cols().get(j)), x, y);
        }
        g.setTransform(original);
        int bx = LEFT + m.cols().size() * CELL + 16;
        int bh = m.rows().size() * CELL;
        for (int k = 0; k < bh; k++) {
            g.setColor(colour(1.0 - (double) k / Math.max(1, bh - 1)));
            g.fillRect(bx, TOP + k, 12, 1);
        }
        g.setColor(Color.BLACK);
        g.drawRect(bx, TOP, 12, bh);
        g.drawString("1.0", bx + 15, TOP + 8);
        g.drawString("0.5", bx + 15, TOP + bh / 2 + 3);
        g.drawString("0.0", bx + 15, TOP + bh);
        g.drawString("CKA", bx, TOP + bh + 14);
        if (!m.undefined().isEmpty()) {
            Rectangle key = undefinedKey(m);
            hatch(g, key);
            g.setColor(Color.BLACK);
            g.drawRect(key.x, key.y, key.width, key.height);
            g.drawString("undefined", key.x + key.width + 3, key.y + key.height - 2);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    /** @return where cell (row, col) of {@code m} is drawn; row 0 at the bottom */
    static Rectangle cell(LayerCka m, int row, int col) {
        return new Rectangle(LEFT + col * CELL, TOP + (m.rows().size() - 1 - row) * CELL, CELL, CELL);
    }

    /** @return where the legend's "undefined" swatch is drawn, under the colour bar */
    static Rectangle undefinedKey(LayerCka m) {
        return new Rectangle(LEFT + m.cols().size() * CELL + 16, TOP + m.rows().size() * CELL + 22, 12, 12);
    }

    /** Grey with dark diagonal lines every 4 pixels: the mark of an undefined value. */
    private static void hatch(Graphics2D g, Rectangle r) {
        g.setColor(UNDEFINED);
        g.fillRect(r.x, r.y, r.width, r.height);
        g.setColor(HATCH);
        for (int dx = 0; dx < r.width; dx++) {
            for (int dy = 0; dy < r.height; dy++) {
                if ((dx + dy) % 4 == 0) {
                    g.fillRect(r.x + dx, r.y + dy, 1, 1);
                }
            }
        }
    }

    private static String shorten(String s) {
        return s.length() <= 20 ? s : s.substring(0, 19) + "…";
    }

    /** A perceptual dark-blue → green → yellow ramp (viridis-like) for values in [0, 1] (clamped). */
    static Color colour(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("the colour scale is for CKA values, got " + v
                    + " (undefined cells are hatched)");
        }
        double t = Math.max(0, Math.min(1, v));
        double[][] stops = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
        double pos = t * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) pos);
        double f = pos - i;
        int r = (int) Math.round(stops[i][0] + f * (stops[i + 1][0] - stops[i][0]));
        int gg = (int) Math.round(stops[i][1] + f * (stops[i + 1][1] - stops[i][1]));
        int b = (int) Math.round(stops[i][2] + f * (stops[i + 1][2] - stops[i][2]));
        return new Color(r, gg, b);
    }
}
