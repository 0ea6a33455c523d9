package org.kdml.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kdml.core.export.Int8Format;
import org.kdml.core.export.OnnxModels;
import org.kdml.core.export.Predictor;
import org.kdml.core.export.Quantizer;
import org.kdml.results.CpuFeatures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kdml predict MODEL.onnx IMAGE|FOLDER... [--out DIR] [--batch 16] [--fail-fast]}. */
@Command(name = "predict", description = "Predicts images (TIFF, PNG, JPEG) with an exported model on ONNX Runtime:"
        + " predictions.csv for classification, a mask and an overlay PNG per image for segmentation.")
final class PredictCommand extends KdmlCommand {

    @Parameters(index = "0", paramLabel = "MODEL", description = "model.onnx or model-int8.onnx from kdml export")
    private Path model;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "IMAGE", description = "image files or folders")
    private List<Path> inputs;

    @Option(names = "--out", paramLabel = "DIR", description = "where the predictions go")
    private Path out = Path.of("predictions");

    @Option(names = "--batch", paramLabel = "N", description = "images per ONNX Runtime call")
    private int batch = 16;

    @Option(names = "--fail-fast", description = "stop at the first unreadable image")
    private boolean failFast;

    @Override
    int run(PrintStream out) throws Exception {
        OptionChecks.atLeast("--batch", batch, 1);
        List<Path> files = Predictor.images(inputs);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("IMAGE: no image files (.tif .tiff .png .jpg .jpeg) in " + inputs);
        }
        out.println(cpuLine(model));
        boolean bar = files.size() > batch;
        Predictor.Outcome o = Predictor.predict(model, files, this.out, batch, failFast,
                threads() == null ? 0 : threads(), done -> {
                    if (bar) {
                        int width = 30;
                        int filled = (int) ((long) width * done / files.size());
                        out.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/"
                                + files.size());
                        out.flush();
                    }
                });
        if (bar) {
            out.println();
        }
        out.println("predicted " + o.predicted() + " of " + files.size() + " images into " + this.out.toAbsolutePath());
        o.failed().forEach(f -> out.println("  not read: " + f));
        return o.failed().isEmpty() ? 0 : 2;
    }

    /**
     * The CPU's features, and a warning when {@code model} is int8 in a format whose products can
     * saturate on this CPU.
     */
    static String cpuLine(Path model) throws IOException {
        CpuFeatures cpu = CpuFeatures.current();
        String format = OnnxModels.metadata(Files.readAllBytes(model)).get(Quantizer.FORMAT_KEY);
        String line = "cpu: " + cpu.summary();
        if (format != null && !Int8Format.of(format).exactOn(cpu)) {
            line += "\nwarning: " + model.getFileName() + " is int8 format " + format + ", whose 16-bit pair sums can"
                    + " saturate on a CPU without VNNI: predictions may differ from the model card's; export with"
                    + " --int8-format " + Int8Format.U8S7.key() + " for this machine";
        }
        return line;
    }
}
