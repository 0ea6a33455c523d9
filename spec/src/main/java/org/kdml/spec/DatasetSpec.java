package org.kdml.spec;

/**
 * Which data a run trains on and how it is split.
 *
 * @param kind the dataset key, e.g. {@code synthetic-patches} (registry in core)
 * @param path where the data lies on disk, or {@code null} for generated data
 * @param imageSize side of the square images fed to the networks (≥ 32)
 * @param samples how many images to generate or sample (≥ 20)
 * @param classes number of classes (≥ 2)
 * @param trainFraction share of the training split (default 0.75)
 * @param valFraction share of the validation split (default 0.10); the test split gets the rest
 */
public record DatasetSpec(String kind, String path, Integer imageSize, Integer samples, Integer classes,
        Double trainFraction, Double valFraction) {

    /** Applies defaults and validates. */
    public DatasetSpec {
        SpecException.check(kind != null && !kind.isBlank(), "dataset.kind", "is required");
        imageSize = imageSize == null ? 32 : imageSize;
        samples = samples == null ? 600 : samples;
        classes = classes == null ? 2 : classes;
        trainFraction = trainFraction == null ? 0.75 : trainFraction;
        valFraction = valFraction == null ? 0.10 : valFraction;
        SpecException.check(imageSize >= 32, "dataset.imageSize", "must be >= 32, got " + imageSize);
        SpecException.check(samples >= 20, "dataset.samples", "must be >= 20, got " + samples);
        SpecException.check(classes >= 2, "dataset.classes", "must be >= 2, got " + classes);
        SpecException.check(trainFraction > 0 && trainFraction < 1, "dataset.trainFraction",
                "must be in (0, 1), got " + trainFraction);
        SpecException.check(valFraction > 0 && trainFraction + valFraction < 1, "dataset.valFraction",
                "must be > 0 and leave room for a test split (train + val < 1), got " + valFraction);
    }

    /** @return the share of the test split */
    public double testFraction() {
        return 1.0 - trainFraction - valFraction;
    }
}
