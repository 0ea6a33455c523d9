package org.kdml.mlflow;

import java.util.regex.Pattern;

/**
 * The one mapping from kdml's metric and parameter names to names MLflow accepts. MLflow allows
 * letters, digits, {@code _ - . /}, space and {@code :} in metric, parameter and tag keys; kdml's
 * loss terms name their source with {@code <-} ({@code s1/predictions<-teacher}). The mapping:
 * <ul>
 *   <li>{@code <-} becomes {@code .from.}: {@code s1/kd<-teacher} → {@code s1/kd.from.teacher};</li>
 *   <li>any other character MLflow refuses becomes {@code _};</li>
 *   <li>everything else is kept as it is ({@code s1/task}, {@code val/s1/accuracy}).</li>
 * </ul>
 */
public final class MlflowNames {

    /** What MLflow's tracking server accepts in a key. */
    public static final Pattern VALID = Pattern.compile("[A-Za-z0-9_\\-. /:]+");
    /** What kdml writes between a term and its source. */
    static final String FROM = "<-";
    /** What {@link #FROM} becomes. */
    static final String MLFLOW_FROM = ".from.";

    private MlflowNames() {
    }

    /**
     * @param name a kdml metric or parameter name, e.g. {@code s2/predictions<-s1}
     * @return the MLflow key, e.g. {@code s2/predictions.from.s1}
     * @throws IllegalArgumentException when the name is empty
     */
    public static String key(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name: a metric or parameter name must not be empty");
        }
        return name.replace(FROM, MLFLOW_FROM).replaceAll("[^A-Za-z0-9_\\-. /:]", "_");
    }
}
