package org.kdml.core.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A stratified train/validation/test split: a pure function of the labels, the fractions and the
 * seed. Each class is shuffled with the seed and cut by the fractions, so class proportions are
 * kept in every split.
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
     * Splits {@code data}.
     *
     * @param data the data set
     * @param trainFraction share of training images
     * @param valFraction share of validation images; the test split gets the rest
     * @param seed the seed
     * @return the split; every split is non-empty when each class has at least 3 images
     */
    public static Split stratified(LabeledImages data, double trainFraction, double valFraction, long seed) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < data.classes(); c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < data.size(); i++) {
            byClass.get(data.label(i)).add(i);
        }
        Random r = new Random(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> val = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        for (List<Integer> members : byClass) {
            Collections.shuffle(members, r);
            int n = members.size();
            int nTrain = (int) Math.round(n * trainFraction);
            int nVal = (int) Math.round(n * valFraction);
            if (n >= 3) {
                nVal = Math.max(1, nVal);
                nTrain = Math.min(nTrain, n - nVal - 1);
            }
            train.addAll(members.subList(0, nTrain));
            val.addAll(members.subList(nTrain, Math.min(n, nTrain + nVal)));
            test.addAll(members.subList(Math.min(n, nTrain + nVal), n));
        }
        Collections.sort(train);
        Collections.sort(val);
        Collections.sort(test);
        return new Split(train, val, test);
    }
}
