package org.kdml.spec;

/**
 * A check of an experiment spec beyond what its records validate themselves, run before any run
 * is published. The orchestrator takes one as an argument: {@link ArchitectureShapes#check} needs
 * neither the engine nor the data on its disk; the in-process {@code kdml run} passes the engine's
 * full check (networks built, data and weight files found).
 */
@FunctionalInterface
public interface SpecCheck {

    /**
     * @param spec one grid point of an experiment
     * @throws SpecException naming the field that is wrong
     */
    void check(ExperimentSpec spec);
}
