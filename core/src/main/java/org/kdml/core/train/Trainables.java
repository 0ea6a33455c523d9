package org.kdml.core.train;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kdml.core.distill.Adversary;
import org.kdml.core.distill.Methods;
import org.kdml.core.model.DistillNet;
import org.kdml.core.model.EdgeModuleSet;
import org.kdml.spec.SharingGraph;

/**
 * What a session trains, each with its optimiser ({@link FusedAdam}): the networks, the edge
 * modules into each learner (FitNets' regressor, VID's, SRRL's connector) and SKD's discriminators.
 * The step updates them, {@link SessionFiles} writes and reads them.
 *
 * @param nets networks by node
 * @param modules the edge modules into each learner
 * @param optimizers each network's optimiser
 * @param moduleOptimizers each learner's edge modules' optimiser
 * @param adversaries SKD's discriminators, each trained after its learner's step
 * @param adversaryOptimizers their optimisers, in the same order
 */
record Trainables(Map<String, DistillNet> nets, Map<String, EdgeModuleSet> modules,
        Map<String, FusedAdam> optimizers, Map<String, FusedAdam> moduleOptimizers, List<Adversary> adversaries,
        List<FusedAdam> adversaryOptimizers) {

    /**
     * One Adam optimiser for every network of {@code graph}, every learner's edge modules and every
     * discriminator of {@code built}, all at {@code learningRate}.
     *
     * @throws IllegalArgumentException naming a node of the graph without a network
     */
    static Trainables of(NDManager manager, SharingGraph graph, Map<String, DistillNet> nets, Methods.Built built,
            double learningRate) {
        Map<String, FusedAdam> optimizers = new LinkedHashMap<>();
        for (String node : graph.nodes()) {
            if (!nets.containsKey(node)) {
                throw new IllegalArgumentException("no network for node " + node);
            }
            optimizers.put(node, new FusedAdam(manager, learningRate));
        }
        Map<String, FusedAdam> moduleOptimizers = new LinkedHashMap<>();
        for (String node : built.modules().keySet()) {
            moduleOptimizers.put(node, new FusedAdam(manager, learningRate));
        }
        List<FusedAdam> adversaryOptimizers = new ArrayList<>();
        for (int i = 0; i < built.adversaries().size(); i++) {
            adversaryOptimizers.add(new FusedAdam(manager, learningRate));
        }
        return new Trainables(new LinkedHashMap<>(nets), new LinkedHashMap<>(built.modules()), optimizers,
                moduleOptimizers, List.copyOf(built.adversaries()), adversaryOptimizers);
    }

    /** The parameters an optimiser step of {@code node} changes: its network's, then its edge modules'. */
    List<Pair<String, Parameter>> parametersOf(String node) {
        List<Pair<String, Parameter>> out = new ArrayList<>();
        nets.get(node).getParameters().forEach(out::add);
        EdgeModuleSet set = modules.get(node);
        if (set != null) {
            set.getParameters().forEach(out::add);
        }
        return out;
    }

    /** @return the trainable parameters of the edge modules and discriminators into {@code node} (0 when none) */
    long edgeModuleParameters(String node) {
        EdgeModuleSet set = modules.get(node);
        long n = set == null ? 0 : set.parameterCount();
        for (Adversary a : adversaries) {
            if (a.node().equals(node)) {
                n += EdgeModuleSet.count(a.discriminator());
            }
        }
        return n;
    }

    /** Sets every optimiser's rate (networks, edge modules, discriminators) from now on. */
    void learningRate(double rate) {
        optimizers.values().forEach(o -> o.learningRate(rate));
        moduleOptimizers.values().forEach(o -> o.learningRate(rate));
        adversaryOptimizers.forEach(o -> o.learningRate(rate));
    }

    /** Frees every optimiser's state. */
    void closeOptimizers() {
        optimizers.values().forEach(FusedAdam::close);
        moduleOptimizers.values().forEach(FusedAdam::close);
        adversaryOptimizers.forEach(FusedAdam::close);
    }
}
