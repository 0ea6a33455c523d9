package org.kdml.core.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import org.kdml.core.data.DatasetException;
import org.kdml.core.data.ImageFiles;
import org.kdml.core.data.Raster;

/**
 * {@code kdml predict}: an exported model on images from disk. Images (TIFF, PNG, JPEG; grey ones
 * repeated to RGB) are read and resized as the loaders do for training (bilinear to the model's
 * side, then 8 bits per channel, as the training cache keeps them). Classification writes
 * {@code predictions.csv} (file, class, the probability of each class); segmentation writes, per
 * image, {@code <name>-mask.png} (0/255 at the model's side) and {@code <name>-overlay.png} (the
 * image with the mask in red). An image that cannot be read is reported by name and the others go
 * on, unless {@code failFast}.
 */
public final class Predictor {

    /** File endings read from a folder. */
    static final List<String> IMAGE_ENDINGS = List.of(".tif", ".tiff", ".png", ".jpg", ".jpeg");

    private Predictor() {
    }

    /**
     * What a prediction run did.
     *
     * @param predicted images predicted
     * @param failed each unreadable image as {@code file: reason}
     * @param written the files written
     */
    public record Outcome(int predicted, List<String> failed, List<Path> written) {
    }

    /** @return the image files of {@code inputs}: files as given, folders' image files sorted by name */
    public static List<Path> images(List<Path> inputs) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> Files.isRegularFile(f) && IMAGE_ENDINGS.stream().anyMatch(
                            e -> f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(e))).sorted()
                            .forEach(out::add);
                }
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Predicts {@code files} with {@code model}.
     *
     * @param progress told the number of images done after each batch
     * @throws DatasetException for the first unreadable image when {@code failFast}
     */
    public static Outcome predict(Path model, List<Path> files, Path out, int batch, boolean failFast, int threads,
            IntConsumer progress) throws IOException {
        Map<String, String> meta = OnnxModels.metadata(Files.readAllBytes(model));
        String task = meta.get("kdml.task");
        if (task == null || meta.get("kdml.imageSize") == null) {
            throw new IllegalArgumentException(model + ": not a kdml export (no kdml.task / kdml.imageSize metadata)");
        }
        boolean seg = task.equals("segmentation");
        int side = Integer.parseInt(meta.get("kdml.imageSize"));
        List<String> classes = Arrays.asList(meta.getOrDefault("kdml.classNames", "").split(","));
        Files.createDirectories(out);
        List<String> failed = new ArrayList<>();
        List<Path> written = new ArrayList<>();
        StringBuilder csv = new StringBuilder("file,class");
        classes.forEach(c -> csv.append(",p_").append(c));
        csv.append('\n');
        int per = 3 * side * side;
        int done = 0;
        try (OnnxRunner r = OnnxRunner.of(model, threads)) {
            for (int start = 0; start < files.size(); start += batch) {
                List<Path> chunk = files.subList(start, Math.min(files.size(), start + batch));
                List<Path> ok = new ArrayList<>();
                List<float[]> imgs = new ArrayList<>();
                for (Path f : chunk) {
                    try {
                        imgs.add(read(f, side));
                        ok.add(f);
                    } catch (DatasetException e) {
                        if (failFast) {
                            throw e;
                        }
                        failed.add(f + ": " + e.getMessage());
                    }
                }
                if (!ok.isEmpty()) {
                    float[] x = new float[ok.size() * per];
                    for (int j = 0; j < ok.size(); j++) {
                        System.arraycopy(imgs.get(j), 0, x, j * per, per);
                    }
                    float[] y = r.run(x, ok.size(), side).values().iterator().next();
                    for (int j = 0; j < ok.size(); j++) {
                        if (seg) {
                            written.addAll(writeMask(ok.get(j), imgs.get(j), y, j, side, out));
                        } else {
                            row(csv, ok.get(j), y, j, classes);
                        }
                    }
                }
                done += chunk.size();
                progress.accept(done);
            }
        }
        if (!seg) {
            Path file = out.resolve("predictions.csv");
            Files.writeString(file, csv.toString());
            written.add(file);
        }
        return new Outcome(files.size() - failed.size(), failed, written);
    }

    /** The image as the training cache holds it: resized bilinearly, then 8 bits per channel. */
    static float[] read(Path file, int side) {
        float[] v = ImageFiles.read(file, 3).resize(side, false).data().clone();
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.max(0, Math.min(255, Math.round(v[i] * 255f))) / 255f;
        }
        return v;
    }

    private static void row(StringBuilder csv, Path file, float[] y, int j, List<String> classes) {
        int c = classes.size();
        int best = 0;
        for (int k = 1; k < c; k++) {
            if (y[j * c + k] > y[j * c + best]) {
                best = k;
            }
        }
        String name = file.getFileName().toString();
        csv.append(name.contains(",") ? "\"" + name + "\"" : name).append(',').append(classes.get(best));
        for (int k = 0; k < c; k++) {
            csv.append(',').append(String.format(Locale.ROOT, "%.6f", y[j * c + k]));
        }
        csv.append('\n');
    }

    private static List<Path> writeMask(Path file, float[] img, float[] y, int j, int side, Path out) {
        int plane = side * side;
        float[] mask = new float[plane];
        float[] overlay = img.clone();
        for (int i = 0; i < plane; i++) {
            boolean fg = y[j * plane + i] >= 0.5f;
            mask[i] = fg ? 1 : 0;
            if (fg) {
                overlay[i] = 0.5f * overlay[i] + 0.5f;
                overlay[plane + i] *= 0.5f;
                overlay[2 * plane + i] *= 0.5f;
            }
        }
        String stem = file.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        Path m = out.resolve(stem + "-mask.png");
        Path o = out.resolve(stem + "-overlay.png");
        try {
            ImageFiles.writeMask(new Raster(1, side, side, mask), m, "png");
            ImageFiles.writeRgb(new Raster(3, side, side, overlay), o, "png");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.of(m, o);
    }
}
