package org.kdml.cli;

import static org.kdml.cli.OptionChecks.atLeast;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.kdml.core.data.IdxFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kdml import-idx}: a pair of IDX files (MNIST, Fashion-MNIST) written as class folders, the
 * {@code imagefolder} layout; run once per split ({@code --out root/train}, {@code --out root/test}).
 */
@Command(name = "import-idx", description = "Writes an IDX pair (MNIST, Fashion-MNIST) as class folders of PNGs"
        + " (the imagefolder layout); run it once per split.")
final class ImportIdxCommand extends KdmlCommand {

    @Option(names = "--images", required = true, paramLabel = "FILE", description = "the IDX images file (.gz or raw)")
    private Path images;

    @Option(names = "--labels", required = true, paramLabel = "FILE", description = "the IDX labels file")
    private Path labels;

    @Option(names = "--classes", required = true, split = ",", paramLabel = "NAME",
            description = "folder name of each label, in label order, comma-separated")
    private List<String> classes;

    @Option(names = "--per-class", paramLabel = "N", description = "the first N images of each class (default all)")
    private Integer perClass;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where the class folders go")
    private Path out;

    @Override
    int run(PrintStream stdout) throws IOException {
        if (perClass != null) {
            atLeast("--per-class", perClass, 1);
        }
        long t0 = System.nanoTime();
        Map<String, Integer> written = IdxFiles.toImageFolder(images, labels, classes, perClass, out);
        stdout.printf("wrote %d images in %d class folders to %s in %.1f s: %s%n",
                written.values().stream().mapToInt(Integer::intValue).sum(), written.size(), out.toAbsolutePath(),
                (System.nanoTime() - t0) / 1e9, written);
        return 0;
    }
}
