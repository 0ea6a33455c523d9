package org.kdml.orchestrator;

import org.kdml.pipeline.state.ExperimentStatus;
import java.util.List;

/**
 * The orchestrator's view of every experiment, wherever it is read from: in the same process
 * ({@link ExperimentView}) or over HTTP from its status endpoint ({@link StatusClient}).
 */
public interface ExperimentSource {

    /** @return the names of every experiment known (empty while the view is not ready) */
    List<String> experiments();

    /** @return the status of {@code experiment}, or null when unknown (or the view is not ready) */
    ExperimentStatus status(String experiment);
}
