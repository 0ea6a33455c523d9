package org.kdml.core.cka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.Color;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kdml.results.UndefinedCell;

class HeatmapTest {

    /** The colours of every pixel inside {@code r}. */
    private static Set<Integer> colours(BufferedImage img, Rectangle r) {
        Set<Integer> out = new HashSet<>();
        for (int x = r.x; x < r.x + r.width; x++) {
            for (int y = r.y; y < r.y + r.height; y++) {
                out.add(img.getRGB(x, y) & 0xFFFFFF);
            }
        }
        return out;
    }

    private static int rgb(Color c) {
        return c.getRGB() & 0xFFFFFF;
    }

    @Test
    void anUndefinedCellIsHatchedGreyWithALegendEntryNotTheColourOfZero(@TempDir Path dir) throws Exception {
        LayerCka m = new LayerCka(List.of("stem", "logits"), List.of("enc.stem", "dec1"),
                new double[][] {{0.0, 0.75}, {Double.NaN, Double.NaN}},
                List.of(new UndefinedCell(1, 0, "teacher layer logits is constant on the sample"),
                        new UndefinedCell(1, 1, "teacher layer logits is constant on the sample")));
        Path png = dir.resolve("h.png");
        Heatmap.write(m, "teacher (resnet18-tiny)", "s1 (u-net)", "test", png);
        BufferedImage img = ImageIO.read(png.toFile());

        assertEquals(Set.of(rgb(Heatmap.colour(0.0))), colours(img, Heatmap.cell(m, 0, 0)));
        assertEquals(Set.of(rgb(Heatmap.colour(0.75))), colours(img, Heatmap.cell(m, 0, 1)));
        Set<Integer> hatched = Set.of(rgb(Heatmap.UNDEFINED), rgb(Heatmap.HATCH));
        for (int j = 0; j < 2; j++) {
            Set<Integer> cell = colours(img, Heatmap.cell(m, 1, j));
            assertEquals(hatched, cell, "cell (1, " + j + ")");
            assertFalse(cell.contains(rgb(Heatmap.colour(0.0))));
        }
        // The legend's swatch, inside its frame.
        Rectangle key = Heatmap.undefinedKey(m);
        assertEquals(hatched, colours(img, new Rectangle(key.x + 1, key.y + 1, key.width - 1, key.height - 1)));
    }

    @Test
    void aMatrixWithEveryCellDefinedHasNoUndefinedLegend(@TempDir Path dir) throws Exception {
        LayerCka m = new LayerCka(List.of("a"), List.of("b"), new double[][] {{0.5}}, List.of());
        Path png = dir.resolve("h.png");
        Heatmap.write(m, "rows", "cols", "test", png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(Set.of(0xFFFFFF), colours(img, Heatmap.undefinedKey(m)));
    }

    @Test
    void theGreyOfUndefinedIsNoColourOfTheScale() {
        for (int k = 0; k <= 1000; k++) {
            int c = rgb(Heatmap.colour(k / 1000.0));
            assertNotEquals(rgb(Heatmap.UNDEFINED), c);
            assertNotEquals(rgb(Heatmap.HATCH), c);
        }
        assertEquals("the colour scale is for CKA values, got NaN (undefined cells are hatched)",
                assertThrows(IllegalArgumentException.class, () -> Heatmap.colour(Double.NaN)).getMessage());
    }
}
