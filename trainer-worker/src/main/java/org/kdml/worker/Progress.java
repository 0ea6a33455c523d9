package org.kdml.worker;

import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.kdml.results.EpochRecord;
import org.kdml.core.train.TrainingListener;
import org.kdml.spec.Phase;
import org.kdml.spec.TrainingSpec;

/**
 * Hears a training attempt: an event per epoch, and a stop between steps once the run is
 * cancelled (its partition revoked, or the worker stopping).
 */
final class Progress implements TrainingListener {

    private final Events events;
    private final TrainingSpec training;
    private final BooleanSupplier cancelled;

    /**
     * @param training the run's training settings (epochs per phase)
     * @param cancelled true once the attempt must stop
     */
    Progress(Events events, TrainingSpec training, BooleanSupplier cancelled) {
        this.events = events;
        this.training = training;
        this.cancelled = cancelled;
    }

    @Override
    public void onStep(String runId, Phase phase, int epoch, int epochs, int step, int steps,
            Map<String, Double> metrics) {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("run " + runId + " cancelled (partition revoked or worker stopping)");
        }
    }

    @Override
    public void onEpoch(String runId, EpochRecord record) {
        events.epoch(record, record.phase() == Phase.TEACHER ? training.teacherEpochs() : training.epochs());
    }
}
