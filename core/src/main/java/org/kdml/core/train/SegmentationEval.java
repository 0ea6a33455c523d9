package org.kdml.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.kdml.core.data.LabeledImages;
import org.kdml.results.SegmentationMetrics;
import org.kdml.core.model.DistillNet;
import org.kdml.spec.SharingGraph;
import org.kdml.results.NetworkResult;
import org.kdml.results.RunFolder;

/**
 * Segmentation evaluation: per-pixel probabilities of every network on a split, binary masks at
 * 0.5, overlap metrics per network and for two ensembles — {@code ensemble} (the union of the
 * students' masks, the paper's) and {@code ensemble-mean} (mean of the students' probabilities ≥
 * 0.5) — and a PNG grid of the hardest test images.
 */
final class SegmentationEval {

    /** Name of the mean-probability ensemble in results. */
    static final String ENSEMBLE_MEAN = "ensemble-mean";

    /** Validates by IoU on the validation split, keeping the best of {@code candidates} (ties: earlier). */
    static Map<String, Double> validate(Evaluation e, List<Integer> val, List<String> candidates, int epoch,
            BestEpochs best) {
        Map<String, SegmentationMetrics> m = metrics(predict(e, val));
        Map<String, Double> out = new LinkedHashMap<>();
        m.forEach((node, metrics) -> out.put(node, metrics.iou()));
        for (String node : candidates) {
            double iou = m.get(node).iou();
            double[] b = best.best(node);
            if (b == null || iou > b[0]) {
                best.keep(node, new double[] {iou}, epoch);
                e.keepBest().accept(node);
            }
        }
        return out;
    }

    /**
     * Test metrics of every network and both ensembles, fidelity to the teacher, and the
     * hardest-images grid.
     *
     * @param imagesDir where the grid goes (created), or null for none
     */
    static Map<String, NetworkResult> test(Evaluation e, List<Integer> test, BestEpochs best, Path imagesDir)
            throws IOException {
        Predictions p = predict(e, test);
        boolean teacher = p.probs().containsKey(SharingGraph.TEACHER);
        Map<String, NetworkResult> out = new LinkedHashMap<>();
        for (Map.Entry<String, SegmentationMetrics> m : metrics(p).entrySet()) {
            String node = m.getKey();
            DistillNet net = e.inference().networks().get(node);
            Double fidelity = !teacher || node.equals(SharingGraph.TEACHER) ? null : agreementWithTeacher(p, node);
            out.put(node, new NetworkResult(net == null ? node : net.architecture(),
                    net == null ? 0 : net.trainableParameterCount(), best.bestEpoch(node), best.bestScore(node), null,
                    m.getValue(), fidelity));
        }
        if (imagesDir != null) {
            Files.createDirectories(imagesDir);
            hardestGrid(p, e.data(), 8, RunFolder.hardest(imagesDir));
        }
        return out;
    }

    /** Probabilities (0..255) of every node on a split, and the truth. */
    record Predictions(List<Integer> indices, Map<String, byte[][]> probs, byte[][] truth) {

        byte[] mask(String node, int k) {
            byte[] p = probs.get(node)[k];
            byte[] m = new byte[p.length];
            for (int i = 0; i < p.length; i++) {
                m[i] = (byte) ((p[i] & 0xFF) >= 128 ? 1 : 0);
            }
            return m;
        }

        byte[] union(int k) {
            byte[] out = null;
            for (String node : probs.keySet()) {
                if (node.equals(SharingGraph.TEACHER)) {
                    continue;
                }
                byte[] m = mask(node, k);
                if (out == null) {
                    out = m;
                } else {
                    for (int i = 0; i < m.length; i++) {
                        out[i] |= m[i];
                    }
                }
            }
            return out;
        }

        byte[] mean(int k) {
            int[] sum = null;
            int n = 0;
            for (Map.Entry<String, byte[][]> e : probs.entrySet()) {
                if (e.getKey().equals(SharingGraph.TEACHER)) {
                    continue;
                }
                byte[] p = e.getValue()[k];
                sum = sum == null ? new int[p.length] : sum;
                for (int i = 0; i < p.length; i++) {
                    sum[i] += p[i] & 0xFF;
                }
                n++;
            }
            byte[] out = new byte[sum.length];
            for (int i = 0; i < sum.length; i++) {
                out[i] = (byte) (sum[i] >= 128 * n ? 1 : 0);
            }
            return out;
        }
    }

    private SegmentationEval() {
    }

    static Predictions predict(Evaluation ev, List<Integer> indices) {
        Inference session = ev.inference();
        Batches batches = ev.batches();
        LabeledImages data = ev.data();
        int batchSize = ev.batchSize();
        NDManager root = session.manager();
        Map<String, byte[][]> probs = new LinkedHashMap<>();
        for (String node : ev.nodes()) {
            probs.put(node, new byte[indices.size()][]);
        }
        byte[][] truth = new byte[indices.size()][];
        int k = 0;
        for (List<Integer> b : Batches.plan(indices, batchSize, null)) {
            try (NDManager step = root.newSubManager()) {
                Map<String, NDList> outs = session.infer(batches.images(b, step), ev.nodes());
                for (Map.Entry<String, NDList> e : outs.entrySet()) {
                    NDArray p = e.getValue().get(0).getNDArrayInternal().sigmoid();
                    float[] v = p.toFloatArray();
                    int per = v.length / b.size();
                    for (int j = 0; j < b.size(); j++) {
                        byte[] q = new byte[per];
                        for (int i = 0; i < per; i++) {
                            q[i] = (byte) Math.round(v[j * per + i] * 255f);
                        }
                        probs.get(e.getKey())[k + j] = q;
                    }
                }
            }
            for (int j = 0; j < b.size(); j++) {
                float[] m = data.mask(b.get(j));
                byte[] t = new byte[m.length];
                for (int i = 0; i < m.length; i++) {
                    t[i] = (byte) (m[i] > 0.5f ? 1 : 0);
                }
                truth[k + j] = t;
            }
            k += b.size();
        }
        return new Predictions(indices, probs, truth);
    }

    /** @return metrics of every node, then {@code ensemble} (union) and {@code ensemble-mean} */
    static Map<String, SegmentationMetrics> metrics(Predictions p) {
        Map<String, SegmentationMetrics> out = new LinkedHashMap<>();
        int n = p.indices().size();
        for (String node : p.probs().keySet()) {
            SegmentationMetrics.Accumulator acc = new SegmentationMetrics.Accumulator();
            for (int k = 0; k < n; k++) {
                acc.add(p.truth()[k], p.mask(node, k));
            }
            out.put(node, acc.result());
        }
        if (p.probs().size() > (p.probs().containsKey(SharingGraph.TEACHER) ? 2 : 1)) {
            SegmentationMetrics.Accumulator union = new SegmentationMetrics.Accumulator();
            SegmentationMetrics.Accumulator mean = new SegmentationMetrics.Accumulator();
            for (int k = 0; k < n; k++) {
                union.add(p.truth()[k], p.union(k));
                mean.add(p.truth()[k], p.mean(k));
            }
            out.put(SharingGraph.ENSEMBLE, union.result());
            out.put(ENSEMBLE_MEAN, mean.result());
        }
        return out;
    }

    /** @return share of pixels where {@code node}'s mask (or an ensemble's) equals the teacher's */
    static double agreementWithTeacher(Predictions p, String node) {
        long same = 0;
        long all = 0;
        for (int k = 0; k < p.indices().size(); k++) {
            byte[] t = p.mask(SharingGraph.TEACHER, k);
            byte[] m = node.equals(SharingGraph.ENSEMBLE) ? p.union(k)
                    : node.equals(ENSEMBLE_MEAN) ? p.mean(k) : p.mask(node, k);
            for (int i = 0; i < t.length; i++) {
                same += t[i] == m[i] ? 1 : 0;
            }
            all += t.length;
        }
        return (double) same / all;
    }

    /**
     * Writes a PNG grid of the {@code count} test images with the lowest ensemble (union) IoU: per
     * row the image, the truth, then each network's mask and the ensemble's (white = foreground).
     */
    static void hardestGrid(Predictions p, LabeledImages data, int count, Path file) throws IOException {
        int n = p.indices().size();
        double[] iou = new double[n];
        for (int k = 0; k < n; k++) {
            iou[k] = new SegmentationMetrics.Accumulator().add(p.truth()[k], p.union(k));
        }
        List<Integer> order = IntStream.range(0, n).boxed().sorted(Comparator.comparingDouble(k -> iou[k])).toList();
        List<Integer> rows = order.subList(0, Math.min(count, n));
        List<String> columns = new ArrayList<>(List.of("image", "truth"));
        columns.addAll(p.probs().keySet());
        columns.add(SharingGraph.ENSEMBLE);
        int s = data.imageSize();
        int label = 16;
        BufferedImage grid = new BufferedImage(columns.size() * (s + 4), label + rows.size() * (s + 4),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        g.setColor(Color.DARK_GRAY);
        g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
        g.setColor(Color.WHITE);
        for (int c = 0; c < columns.size(); c++) {
            g.drawString(columns.get(c), c * (s + 4) + 2, 12);
        }
        for (int r = 0; r < rows.size(); r++) {
            int k = rows.get(r);
            int y0 = label + r * (s + 4);
            float[] img = data.image(p.indices().get(k));
            for (int c = 0; c < columns.size(); c++) {
                String col = columns.get(c);
                byte[] m = col.equals("image") ? null : col.equals("truth") ? p.truth()[k]
                        : col.equals(SharingGraph.ENSEMBLE) ? p.union(k) : p.mask(col, k);
                for (int y = 0; y < s; y++) {
                    for (int x = 0; x < s; x++) {
                        int rgb;
                        if (m == null) {
                            int rr = Math.round(img[y * s + x] * 255);
                            int gg = Math.round(img[s * s + y * s + x] * 255);
                            int bb = Math.round(img[2 * s * s + y * s + x] * 255);
                            rgb = (rr << 16) | (gg << 8) | bb;
                        } else {
                            rgb = m[y * s + x] != 0 ? 0xFFFFFF : 0x000000;
                        }
                        grid.setRGB(c * (s + 4) + x, y0 + y, rgb);
                    }
                }
            }
            g.setColor(Color.YELLOW);
            g.drawString(String.format("%.2f", iou[k]), 2, y0 + s - 2);
        }
        g.dispose();
        ImageIO.write(grid, "png", file.toFile());
    }
}
