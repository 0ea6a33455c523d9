package org.kdml.spec;

/**
 * A named way of sharing knowledge: a preset ({@code kd-ml-v3}) or a custom graph ({@code custom}).
 *
 * @param key the variant's key, used in run ids, result tables and metric names
 * @param graph the sharing graph it resolves to
 */
public record Variant(String key, SharingGraph graph) {

    /** Validates the variant. */
    public Variant {
        SpecException.check(key != null && !key.isBlank(), "variant", "key is required");
        SpecException.check(graph != null, "variant", "graph is required");
    }

    /**
     * The preset {@code mode × version} for {@code students} students, e.g. key {@code kd-ml-v3}.
     */
    public static Variant preset(Mode mode, Version version, int students) {
        return new Variant(presetKey(mode, version), SharingGraph.preset(mode, version, students));
    }

    /** @return the key of the preset {@code mode × version}, e.g. {@code kd-ml-v3} */
    public static String presetKey(Mode mode, Version version) {
        return mode.key() + "-" + version.key();
    }

    /**
     * Parses a preset key such as {@code kd-off-v2}.
     *
     * @param field the field the key came from
     * @param key the key
     * @param students the number of students
     * @return the preset
     */
    public static Variant parse(String field, String key, int students) {
        int dash = key == null ? -1 : key.lastIndexOf('-');
        SpecException.check(dash > 0, field, "unknown variant '" + key + "'; expected <mode>-<version> with mode in "
                + Mode.keys() + " and version in v1, v2, v3");
        return preset(Mode.of(field, key.substring(0, dash)), Version.of(field, key.substring(dash + 1)), students);
    }
}
