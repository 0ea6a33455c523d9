package org.kdml.core.data;

import java.util.Random;
import org.kdml.spec.AugmentationSpec;

/**
 * Seeded augmentation of square channel-first images (and their masks, with the same draw):
 * horizontal and vertical flips and transpose (exact), then one affine warp for rotation, shift
 * and scale (bilinear for images, nearest for masks; outside the frame both repeat the edge
 * pixel, so image and mask stay aligned).
 */
public final class Augmenter {

    private final AugmentationSpec spec;

    /** @param spec which transforms are on */
    public Augmenter(AugmentationSpec spec) {
        this.spec = spec;
    }

    /** @return whether any transform is on */
    public boolean active() {
        return spec.any();
    }

    /**
     * Augments {@code image} (channels × s × s) and, when not null, {@code mask} (1 × s × s) with one
     * draw from {@code random}.
     *
     * @return {@code [image, mask]} (mask null when none was given)
     */
    public float[][] apply(float[] image, float[] mask, int s, Random random) {
        boolean h = spec.hflip() && random.nextBoolean();
        boolean v = spec.vflip() && random.nextBoolean();
        boolean t = spec.transpose() && random.nextBoolean();
        double angle = spec.rotate() > 0 ? Math.toRadians((random.nextDouble() * 2 - 1) * spec.rotate()) : 0;
        double dx = spec.shift() > 0 ? (random.nextDouble() * 2 - 1) * spec.shift() * s : 0;
        double dy = spec.shift() > 0 ? (random.nextDouble() * 2 - 1) * spec.shift() * s : 0;
        double zoom = spec.scale() > 0 ? 1 + (random.nextDouble() * 2 - 1) * spec.scale() : 1;
        boolean warp = angle != 0 || dx != 0 || dy != 0 || zoom != 1;
        float[] img = image;
        float[] msk = mask;
        if (h || v || t) {
            img = flip(img, s, h, v, t);
            msk = msk == null ? null : flip(msk, s, h, v, t);
        }
        if (warp) {
            img = warp(img, s, angle, dx, dy, zoom, false);
            msk = msk == null ? null : warp(msk, s, angle, dx, dy, zoom, true);
        }
        return new float[][] {img, msk};
    }

    private static float[] flip(float[] in, int s, boolean h, boolean v, boolean t) {
        int plane = s * s;
        int channels = in.length / plane;
        float[] out = new float[in.length];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    int sy = t ? x : y;
                    int sx = t ? y : x;
                    sy = v ? s - 1 - sy : sy;
                    sx = h ? s - 1 - sx : sx;
                    out[c * plane + y * s + x] = in[c * plane + sy * s + sx];
                }
            }
        }
        return out;
    }

    /** Output pixel p samples the input at centre + R(-angle)·(p - centre - shift) / zoom. */
    private static float[] warp(float[] in, int s, double angle, double dx, double dy, double zoom, boolean nearest) {
        int plane = s * s;
        int channels = in.length / plane;
        float[] out = new float[in.length];
        double c0 = (s - 1) / 2.0;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                double px = (x - c0 - dx) / zoom;
                double py = (y - c0 - dy) / zoom;
                double sx = cos * px + sin * py + c0;
                double sy = -sin * px + cos * py + c0;
                for (int c = 0; c < channels; c++) {
                    out[c * plane + y * s + x] = nearest ? nearest(in, c * plane, s, sx, sy)
                            : bilinear(in, c * plane, s, sx, sy);
                }
            }
        }
        return out;
    }

    private static float nearest(float[] in, int off, int s, double x, double y) {
        int xi = (int) Math.max(0, Math.min(s - 1, Math.round(x)));
        int yi = (int) Math.max(0, Math.min(s - 1, Math.round(y)));
        return in[off + yi * s + xi];
    }

    private static float bilinear(float[] in, int off, int s, double x, double y) {
        x = Math.max(0, Math.min(s - 1, x));
        y = Math.max(0, Math.min(s - 1, y));
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        int x1 = Math.min(s - 1, x0 + 1);
        int y1 = Math.min(s - 1, y0 + 1);
        double wx = x - x0;
        double wy = y - y0;
        return (float) ((1 - wy) * ((1 - wx) * in[off + y0 * s + x0] + wx * in[off + y0 * s + x1])
                + wy * ((1 - wx) * in[off + y1 * s + x0] + wx * in[off + y1 * s + x1]));
    }
}
