package org.kdml.core.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Class balancing of the training split only: under-sampling or over-sampling, seeded. */
public final class Balancing {

    private Balancing() {
    }

    /**
     * Balances {@code train}.
     *
     * @param mode {@code none}, {@code undersample} (every class cut to the smallest) or
     *     {@code oversample} (every class filled up to the largest by drawing members again)
     * @return the balanced index list, sorted (over-sampled indices repeat)
     */
    public static List<Integer> apply(String mode, LabeledImages data, List<Integer> train, long seed) {
        if (mode.equals("none")) {
            return train;
        }
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < data.classes(); c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i : train) {
            byClass.get(data.label(i)).add(i);
        }
        List<List<Integer>> present = byClass.stream().filter(l -> !l.isEmpty()).toList();
        int min = present.stream().mapToInt(List::size).min().orElse(0);
        int max = present.stream().mapToInt(List::size).max().orElse(0);
        Random r = new Random(seed ^ 0x5eedL);
        List<Integer> out = new ArrayList<>();
        for (List<Integer> members : present) {
            List<Integer> m = new ArrayList<>(members);
            Collections.shuffle(m, r);
            switch (mode) {
                case "undersample" -> out.addAll(m.subList(0, min));
                case "oversample" -> {
                    out.addAll(m);
                    for (int k = m.size(); k < max; k++) {
                        out.add(m.get(r.nextInt(m.size())));
                    }
                }
                default -> throw new IllegalArgumentException("unknown balancing '" + mode
                        + "'; valid: none, undersample, oversample");
            }
        }
        Collections.sort(out);
        return out;
    }
}
