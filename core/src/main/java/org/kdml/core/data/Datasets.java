package org.kdml.core.data;

import java.util.List;
import org.kdml.spec.DatasetSpec;
import org.kdml.spec.SpecException;

/** The registry of data sets by key. */
public final class Datasets {

    /** Keys of the data sets this version can open. */
    public static final List<String> KEYS = List.of(SyntheticPatches.KEY);

    private Datasets() {
    }

    /**
     * Opens the data set a spec names.
     *
     * @param spec the dataset part of a spec
     * @return the data
     * @throws SpecException naming {@code dataset.kind} when the key is unknown
     */
    public static LabeledImages open(DatasetSpec spec) {
        if (spec.kind().equals(SyntheticPatches.KEY)) {
            return new SyntheticPatches(spec.samples(), spec.imageSize(), spec.classes());
        }
        throw new SpecException("dataset.kind", "unknown dataset '" + spec.kind() + "'; valid: " + String.join(", ", KEYS));
    }
}
