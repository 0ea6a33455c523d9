package org.kdml.cli;

import static org.kdml.cli.OptionChecks.atLeast;
import static org.kdml.cli.OptionChecks.oneOf;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.kdml.core.data.CsvImages;
import org.kdml.core.data.Ham10000Folder;
import org.kdml.core.data.ImageFolder;
import org.kdml.core.data.LggFolder;
import org.kdml.core.data.MaskFolder;
import org.kdml.core.data.PcamFolder;
import org.kdml.core.data.PcamHdf5;
import org.kdml.core.data.SyntheticLayouts;
import org.kdml.core.data.SyntheticPatches;
import org.kdml.core.data.SyntheticScans;
import org.kdml.core.data.SyntheticWriters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kdml make-data}: generated data in a real data set's published layout, to try the
 * loaders or to benchmark them ({@code kdml bench-data}).
 */
@Command(name = "make-data", description = "Writes generated data in a data set's published layout, to try the"
        + " loaders or benchmark them.")
final class MakeDataCommand extends KdmlCommand {

    /** The data sets with a published layout, by key. */
    static final List<String> KINDS = List.of(PcamFolder.KEY, PcamHdf5.KEY, LggFolder.KEY, Ham10000Folder.KEY,
            ImageFolder.KEY, CsvImages.KEY, MaskFolder.KEY);

    @Option(names = "--kind", required = true, paramLabel = "KIND", description = "pcam, pcam-h5, lgg, ham10000,"
            + " imagefolder (train/ and test/ of class folders), csv (labels.csv and images/) or maskfolder (images/"
            + " beside masks/)")
    private String kind;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where the data go")
    private Path dir;

    @Option(names = "--samples", paramLabel = "N", description = "about how many images")
    private int samples = 2000;

    @Override
    int run(PrintStream out) throws IOException {
        oneOf("--kind", "data set", kind, KINDS);
        atLeast("--samples", samples, 1);
        long t0 = System.nanoTime();
        switch (kind) {
            case PcamFolder.KEY -> SyntheticPatches.writePcam(dir, samples, 2);
            case PcamHdf5.KEY -> SyntheticWriters.writePcamH5Splits(dir, samples);
            case LggFolder.KEY -> SyntheticScans.writeLgg(dir, Math.max(3, samples / 20), Math.min(20, samples), 1);
            case Ham10000Folder.KEY -> SyntheticWriters.writeHam(dir, Math.max(7, samples / 2), 600, 450);
            case ImageFolder.KEY -> SyntheticLayouts.writeImageFolder(dir, samples, true);
            case CsvImages.KEY -> SyntheticLayouts.writeCsv(dir, samples);
            default -> SyntheticLayouts.writeMaskFolder(dir, samples);
        }
        out.printf("wrote generated %s data to %s in %.1f s%n", kind, dir.toAbsolutePath(), (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
