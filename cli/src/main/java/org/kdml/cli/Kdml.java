package org.kdml.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.kdml.core.data.DatasetException;
import org.kdml.spec.SpecException;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code kdml} command: one class per subcommand, parsed by picocli. {@code kdml --help}
 * lists the commands, {@code kdml COMMAND --help} a command's options and defaults, and
 * {@code kdml completion} prints a bash/zsh completion script.
 *
 * <pre>
 * kdml run [SPEC.yaml]             the embedded pipeline (Kafka, S3, all services) on one spec
 *                                  (default examples/quickstart.yaml), progress, the final table
 * kdml up [--workers N]            the embedded pipeline, until Ctrl-C
 * kdml submit SPEC.yaml            publish a spec to kdml.specs
 * kdml worker                      one more trainer worker process
 * kdml status EXPERIMENT           the orchestrator's view of an experiment
 * kdml train SPEC.yaml [--out DIR] one experiment in process; results and checkpoints in DIR (default runs/)
 * kdml validate SPEC.yaml          check a spec and list its runs without training
 * kdml bench [options]             training-step throughput
 * </pre>
 *
 * Exit codes: 0 done; 2 a usage error, an invalid spec or bad data; 1 any other failure. Each
 * failure prints one line, {@code kdml: ...}, on stderr.
 */
@Command(name = "kdml", scope = ScopeType.INHERIT, showDefaultValues = true, sortOptions = false,
        description = "Knowledge distillation with diversified learning styles for biomedical imaging.",
        subcommands = {RunCommand.class, UpCommand.class, SubmitCommand.class, WorkerCommand.class,
            ChaosCommand.class, DashboardCommand.class, ServeCommand.class, StatusCommand.class, TrainCommand.class,
            ValidateCommand.class, Bench.class, CkaCommand.class, CkaBench.class, ReportCommand.class,
            MakeDataCommand.class, ImportIdxCommand.class, BenchDataCommand.class, ExportCommand.class,
            PredictCommand.class,
            BenchInferCommand.class, HelpCommand.class})
public final class Kdml implements Callable<Integer> {

    /** The spec {@code kdml run} trains. */
    static final Path QUICKSTART = Path.of(System.getProperty("kdml.home", "."), "examples", "quickstart.yaml");

    private final PrintStream out;
    private Integer threads;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    private boolean help;

    private Kdml(PrintStream out) {
        this.out = out;
    }

    /** Entry point; exits non-zero on error with a one-line message. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line; returns the exit code (0 ok, 2 usage, invalid spec or bad data, 1 other). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = commandLine(out);
        // Set after the subcommands inherited the top command's attributes: for kdml --help only.
        cli.getCommandSpec().usageMessage().footer("%nkdml COMMAND --help lists a command's options and defaults.");
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler(Kdml::usageError);
        cli.setExecutionExceptionHandler(Kdml::failure);
        try {
            return cli.execute(args);
        } finally {
            cli.getOut().flush();
            cli.getErr().flush();
        }
    }

    /**
     * The command tree {@link #run} executes; tests parse with it (e.g. the container command lines
     * of deploy/k8s), so an option renamed in a command fails them.
     *
     * @param out the stream the commands print to
     */
    static CommandLine commandLine(PrintStream out) {
        CommandLine cli = new CommandLine(new Kdml(out));
        cli.addSubcommand("completion", new AutoComplete.GenerateCompletion());
        return cli;
    }

    @Option(names = "--threads", paramLabel = "N", scope = ScopeType.INHERIT,
            description = "PyTorch intra-op threads (default: KDML_THREADS or all cores)")
    private void threads(int n) {
        if (n < 1) {
            throw new ParameterException(spec.commandLine(), "--threads: must be >= 1, got " + n);
        }
        threads = n;
        // Read by the engine when it first loads, which happens after parsing.
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(n));
    }

    /** {@code kdml} alone: the usage, exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(out);
        return 2;
    }

    /** The stream the commands print to. */
    PrintStream out() {
        return out;
    }

    /** The {@code --threads} given, or null. */
    Integer threads() {
        return threads;
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String message = e.getMessage();
        if (e instanceof UnmatchedArgumentException u && cmd.getCommandSpec().parent() == null
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
            message = "unknown command '" + u.getUnmatched().get(0) + "'";
        }
        return usageError(cmd, message);
    }

    private static int usageError(CommandLine cmd, String message) {
        cmd.getErr().println("kdml: " + message + "; see '" + cmd.getCommandSpec().qualifiedName() + " --help'");
        return 2;
    }

    private static int failure(Exception e, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        if (e instanceof OptionChecks.InvalidOption) {
            return usageError(cmd, e.getMessage());
        }
        if (e instanceof SpecException) {
            err.println("kdml: invalid spec: " + e.getMessage());
            return 2;
        }
        if (e instanceof DatasetException) {
            err.println("kdml: bad data: " + e.getMessage());
            return 2;
        }
        err.println("kdml: " + e);
        return 1;
    }
}
