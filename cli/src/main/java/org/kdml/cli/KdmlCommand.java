package org.kdml.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * A {@code kdml} subcommand: picocli sets its options, then {@link #run} does the work and
 * returns the exit code. Every subcommand takes {@code --help}, and {@code --threads} from
 * {@link Kdml}.
 */
abstract class KdmlCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    private boolean help;

    @ParentCommand
    private Kdml kdml;

    @Override
    public final Integer call() throws Exception {
        return run(kdml.out());
    }

    /** Does the command's work, printing to {@code out}; returns the exit code. */
    abstract int run(PrintStream out) throws Exception;

    /** The {@code --threads} given, or null. */
    final Integer threads() {
        return kdml.threads();
    }
}
