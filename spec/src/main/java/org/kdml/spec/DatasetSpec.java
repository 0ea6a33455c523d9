package org.kdml.spec;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Which data a run trains on and how it is prepared.
 *
 * @param kind the dataset key: {@code synthetic-patches}, {@code synthetic-scans}, {@code pcam},
 *     {@code pcam-h5}, {@code lgg}, {@code ham10000}, or a layout of your own images:
 *     {@code imagefolder}, {@code csv}, {@code maskfolder} (registry in core)
 * @param root the folder holding the data set in its published layout (required but for generated data)
 * @param imageSize side of the square images fed to the networks, after resizing (≥ 32)
 * @param samples size of a class-balanced random subset (paper: 20 000 for PCam); null = all
 *     images (generated data: 600)
 * @param classes number of classes of generated data (default 2); real data sets fix their own
 * @param trainFraction share of the training split (default 0.75); unused with official splits
 * @param valFraction share of the validation split (default 0.10); the test split gets the rest;
 *     unused with official splits
 * @param balance class balancing of the training split only: {@code none} (default),
 *     {@code undersample} or {@code oversample}
 * @param skipBad skip bad items (missing, corrupt, wrong size, unknown class) with a warning and a
 *     count instead of failing (default false)
 * @param augmentation training-time augmentation (default none)
 * @param loaderThreads threads decoding images ahead of training (null = min(4, cores), resolved at
 *     run time so that the spec's hash does not depend on the machine)
 * @param split {@code official} (the data set's published train/valid/test splits, used as given;
 *     {@code samples} subsamples within each) or {@code pooled} (every image pooled, then split by
 *     the fractions); null = the data set's default, resolved in core: official where the data set
 *     is published with splits ({@code pcam-h5}) or brings them ({@code imagefolder} with
 *     {@code train/} and {@code test/}, {@code csv} with a {@code split} column), else pooled. Left out of the canonical JSON when
 *     null, so specs without it keep their hash
 */
public record DatasetSpec(String kind, String root, Integer imageSize, Integer samples, Integer classes,
        Double trainFraction, Double valFraction, String balance, @JsonAlias("skip-bad") Boolean skipBad,
        AugmentationSpec augmentation, Integer loaderThreads, @JsonInclude(JsonInclude.Include.NON_NULL) String split) {

    /** Valid values of {@link #balance}. */
    public static final List<String> BALANCING = List.of("none", "undersample", "oversample");

    /** Applies defaults and validates. */
    public DatasetSpec {
        SpecException.check(kind != null && !kind.isBlank(), "dataset.kind", "is required");
        imageSize = imageSize == null ? 32 : imageSize;
        trainFraction = trainFraction == null ? 0.75 : trainFraction;
        valFraction = valFraction == null ? 0.10 : valFraction;
        balance = balance == null ? "none" : balance;
        skipBad = skipBad != null && skipBad;
        augmentation = augmentation == null ? AugmentationSpec.none() : augmentation;
        SpecException.check(imageSize >= 32, "dataset.imageSize", "must be >= 32, got " + imageSize);
        SpecException.check(samples == null || samples >= 20, "dataset.samples", "must be >= 20, got " + samples);
        SpecException.check(classes == null || classes >= 2, "dataset.classes", "must be >= 2, got " + classes);
        SpecException.check(trainFraction > 0 && trainFraction < 1, "dataset.trainFraction",
                "must be in (0, 1), got " + trainFraction);
        SpecException.check(valFraction > 0 && trainFraction + valFraction < 1, "dataset.valFraction",
                "must be > 0 and leave room for a test split (train + val < 1), got " + valFraction);
        SpecException.check(BALANCING.contains(balance), "dataset.balance",
                "unknown balancing '" + balance + "'; valid: " + String.join(", ", BALANCING));
        SpecException.check(loaderThreads == null || loaderThreads >= 1, "dataset.loaderThreads", "must be >= 1, got " + loaderThreads);
        if (split != null) {
            Splitting.of("dataset.split", split);
        }
    }

    /** @return the share of the test split */
    public double testFraction() {
        return 1.0 - trainFraction - valFraction;
    }
}
