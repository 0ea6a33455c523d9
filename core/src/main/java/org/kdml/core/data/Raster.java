package org.kdml.core.data;

/**
 * A decoded image: {@code channels × height × width} floats in [0, 1], channel-first.
 *
 * @param channels number of channels (3 for RGB, 1 for masks)
 * @param height rows
 * @param width columns
 * @param data the pixels, length {@code channels·height·width}
 */
public record Raster(int channels, int height, int width, float[] data) {

    /** Validates the sizes. */
    public Raster {
        if (channels < 1 || height < 1 || width < 1 || data.length != channels * height * width) {
            throw new IllegalArgumentException("raster " + channels + "x" + height + "x" + width + " cannot hold "
                    + data.length + " values");
        }
    }

    /** @return this raster resized to {@code size × size} by bilinear interpolation (nearest when {@code nearest}) */
    public Raster resize(int size, boolean nearest) {
        if (height == size && width == size) {
            return this;
        }
        float[] out = new float[channels * size * size];
        double sy = (double) height / size;
        double sx = (double) width / size;
        for (int c = 0; c < channels; c++) {
            int in = c * height * width;
            for (int y = 0; y < size; y++) {
                double fy = Math.max(0, (y + 0.5) * sy - 0.5);
                int y0 = Math.min(height - 1, (int) fy);
                int y1 = Math.min(height - 1, y0 + 1);
                double wy = fy - y0;
                for (int x = 0; x < size; x++) {
                    double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                    int x0 = Math.min(width - 1, (int) fx);
                    int x1 = Math.min(width - 1, x0 + 1);
                    double wx = fx - x0;
                    float v;
                    if (nearest) {
                        v = data[in + (wy < 0.5 ? y0 : y1) * width + (wx < 0.5 ? x0 : x1)];
                    } else {
                        v = (float) ((1 - wy) * ((1 - wx) * data[in + y0 * width + x0] + wx * data[in + y0 * width + x1])
                                + wy * ((1 - wx) * data[in + y1 * width + x0] + wx * data[in + y1 * width + x1]));
                    }
                    out[c * size * size + y * size + x] = v;
                }
            }
        }
        return new Raster(channels, size, size, out);
    }
}
