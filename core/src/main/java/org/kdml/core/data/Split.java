package org.kdml.core.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.kdml.spec.Splitting;

/**
 * A train/validation/test split: the data set's official one where it is used ({@link #of}), else
 * kdml's own, stratified by class and grouped: all images of one group (an LGG patient, a HAM10000
 * lesion) land in the same split, so nothing leaks. kdml's split is a pure function of (ids, groups,
 * labels, fractions, seed): groups are sorted by name before the seeded shuffle, so the order of
 * the file list does not matter.
 *
 * @param train indices of the training split
 * @param val indices of the validation split
 * @param test indices of the test split
 */
public record Split(List<Integer> train, List<Integer> val, List<Integer> test) {

    /** Copies the lists. */
    public Split {
        train = List.copyOf(train);
        val = List.copyOf(val);
        test = List.copyOf(test);
    }

    /**
     * The split a run uses: the data set's official split when it has one ({@link
     * LabeledImages#officialSplit}), never re-split; else {@link #stratified}.
     */
    public static Split of(LabeledImages data, double trainFraction, double valFraction, long seed) {
        return data.officialSplit().orElseGet(() -> stratified(data, trainFraction, valFraction, seed));
    }

    /** @return how {@link #of} splits {@code data}: official when it has an official split, else pooled */
    public static Splitting splitting(LabeledImages data) {
        return data.officialSplit().isPresent() ? Splitting.OFFICIAL : Splitting.POOLED;
    }

    /**
     * Splits {@code data} by group, stratified by each group's class (its first image's label).
     * Within each class, groups are shuffled with the seed and dealt to train until it holds its
     * share of that class's images, then to validation, then test; a class with at least three
     * groups puts at least one in each split.
     *
     * @throws DatasetException when a split comes out empty after grouping
     */
    public static Split stratified(LabeledImages data, double trainFraction, double valFraction, long seed) {
        Map<String, List<Integer>> groups = new TreeMap<>();
        for (int i = 0; i < data.size(); i++) {
            groups.computeIfAbsent(data.group(i), g -> new ArrayList<>()).add(i);
        }
        List<List<List<Integer>>> byClass = new ArrayList<>();
        for (int c = 0; c < data.classes(); c++) {
            byClass.add(new ArrayList<>());
        }
        for (List<Integer> members : groups.values()) {
            byClass.get(data.label(members.get(0))).add(members);
        }
        Random r = new Random(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> val = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        for (List<List<Integer>> classGroups : byClass) {
            Collections.shuffle(classGroups, r);
            int n = classGroups.size();
            double total = classGroups.stream().mapToInt(List::size).sum();
            int nTrain = 0;
            int nVal = 0;
            long dealt = 0;
            for (List<Integer> members : classGroups) {
                if (dealt < total * trainFraction) {
                    nTrain++;
                } else if (dealt < total * (trainFraction + valFraction)) {
                    nVal++;
                }
                dealt += members.size();
            }
            int nTest = n - nTrain - nVal;
            if (n >= 3) {
                if (nTest == 0) {
                    if (nVal > 1) {
                        nVal--;
                    } else {
                        nTrain--;
                    }
                    nTest++;
                }
                if (nVal == 0) {
                    if (nTrain > 1) {
                        nTrain--;
                    } else {
                        nTest--;
                    }
                    nVal++;
                }
            }
            for (int g = 0; g < n; g++) {
                (g < nTrain ? train : g < nTrain + nVal ? val : test).addAll(classGroups.get(g));
            }
        }
        for (String name : List.of("train", "val", "test")) {
            List<Integer> part = name.equals("train") ? train : name.equals("val") ? val : test;
            if (part.isEmpty()) {
                throw new DatasetException("split", "the " + name + " split is empty after grouping " + data.size()
                        + " images into " + groups.size() + " groups (patients/lesions); more groups are needed");
            }
        }
        Collections.sort(train);
        Collections.sort(val);
        Collections.sort(test);
        return new Split(train, val, test);
    }
}
