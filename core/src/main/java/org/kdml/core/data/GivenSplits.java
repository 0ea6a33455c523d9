package org.kdml.core.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Splits a data set arrived with ({@code train/ val/ test/} folders, a CSV's {@code split} column),
 * in the order {@link Source#officialSplits} wants; when validation is missing it is carved from
 * the training split: of each class, {@code valFraction} of its groups (at least one when the class
 * has two or more), chosen by a fixed seed so that every run of an experiment validates on the same
 * images, and said so in {@link #note()}.
 */
final class GivenSplits {

    /** The seed of the carve (fixed: the carve belongs to the data, not to a run). */
    static final long CARVE_SEED = 0;

    private final Map<String, List<Item>> splits;
    private final String note;

    private GivenSplits(Map<String, List<Item>> splits, String note) {
        this.splits = splits;
        this.note = note;
    }

    /**
     * @param byName the items of each given split ({@code train}, {@code val}, {@code test}); train and
     *     test are required, val optional
     * @param valFraction the share of training groups carved into validation when val is not given
     * @param where what to name in an error (the root folder or the CSV)
     * @throws DatasetException naming {@code where} when train or test is missing or empty
     */
    static GivenSplits of(Map<String, List<Item>> byName, double valFraction, String where) {
        for (String required : List.of("train", "test")) {
            if (byName.getOrDefault(required, List.of()).isEmpty()) {
                throw new DatasetException(where, "the given " + required + " split is empty or missing");
            }
        }
        Map<String, List<Item>> out = new LinkedHashMap<>();
        List<Item> val = byName.getOrDefault("val", List.of());
        String note = null;
        if (val.isEmpty()) {
            List<Item> train = new ArrayList<>(byName.get("train"));
            List<Item> carved = carve(train, valFraction);
            train.removeAll(carved);
            out.put("train", train);
            out.put("val", carved);
            note = String.format(Locale.ROOT, "train and test as given; val carved from train:"
                    + " %.0f %% of each class's groups (seed %d)", 100 * valFraction, CARVE_SEED);
        } else {
            out.put("train", byName.get("train"));
            out.put("val", val);
        }
        out.put("test", byName.get("test"));
        return new GivenSplits(out, note);
    }

    /** Of each class, {@code fraction} of its groups, at least one when it has two or more. */
    private static List<Item> carve(List<Item> train, double fraction) {
        Map<Integer, Map<String, List<Item>>> byClass = new TreeMap<>();
        for (Item it : train) {
            byClass.computeIfAbsent(it.label(), c -> new TreeMap<>()).computeIfAbsent(it.group(),
                    g -> new ArrayList<>()).add(it);
        }
        Random r = new Random(CARVE_SEED);
        List<Item> carved = new ArrayList<>();
        for (Map<String, List<Item>> groups : byClass.values()) {
            List<List<Item>> list = new ArrayList<>(groups.values());
            Collections.shuffle(list, r);
            int n = list.size();
            int take = n < 2 ? 0 : Math.max(1, (int) Math.round(fraction * n));
            for (int g = 0; g < take; g++) {
                carved.addAll(list.get(g));
            }
        }
        carved.sort(Comparator.comparing(Item::id));
        return carved;
    }

    /** @return the splits, {@code train}, {@code val}, {@code test} in that order */
    Map<String, List<Item>> splits() {
        return splits;
    }

    /** @return how the splits were made when not all were given (the carve), else null */
    String note() {
        return note;
    }
}
