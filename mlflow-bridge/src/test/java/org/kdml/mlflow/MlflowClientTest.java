package org.kdml.mlflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kdml.mlflow.MlflowClient.Entry;
import org.kdml.mlflow.MlflowClient.Metric;
import org.kdml.mlflow.MlflowClient.RunView;

/** The REST client against the stand-in server: MLflow's shapes, its limits and its errors. */
class MlflowClientTest {

    private final MlflowTestServer server;
    private final MlflowClient client;

    MlflowClientTest() throws Exception {
        server = new MlflowTestServer();
        client = new MlflowClient(server.uri());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void anExperimentIsFoundByNameOnceCreatedAndCannotBeCreatedTwice() throws Exception {
        assertEquals(Optional.empty(), client.experimentByName("quickstart"));
        String id = client.createExperiment("quickstart");
        assertEquals("1", id);
        assertEquals(Optional.of("1"), client.experimentByName("quickstart"));
        MlflowRejectedException e = assertThrows(MlflowRejectedException.class,
                () -> client.createExperiment("quickstart"));
        assertEquals(400, e.status());
        assertEquals(MlflowClient.RESOURCE_ALREADY_EXISTS, e.errorCode());
        assertEquals("experiments/create: HTTP 400 RESOURCE_ALREADY_EXISTS: Experiment 'quickstart' already exists.",
                e.getMessage());
    }

    @Test
    void aRunIsFoundByItsTag() throws Exception {
        String experiment = client.createExperiment("quickstart");
        String a = client.createRun(experiment, "kd-off-v1-seed1", 10, List.of(new Entry("kdml.run_id", "aaaa")));
        String b = client.createRun(experiment, "kd-off-v1-seed2", 11, List.of(new Entry("kdml.run_id", "bb'b")));
        assertEquals(Optional.of(a), client.runByTag(experiment, "kdml.run_id", "aaaa"));
        assertEquals(Optional.of(b), client.runByTag(experiment, "kdml.run_id", "bb'b"));
        assertEquals(Optional.empty(), client.runByTag(experiment, "kdml.run_id", "cccc"));
        RunView v = client.run(a);
        assertEquals("RUNNING", v.status());
        assertEquals("kd-off-v1-seed1", v.tags().get("mlflow.runName"));
    }

    @Test
    void aLargeBatchIsSplitWithinMlflowsLimits() throws Exception {
        String run = client.createRun(client.createExperiment("e"), "r", 0, List.of());
        List<Metric> metrics = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            metrics.add(new Metric("loss", i / 10.0, 1000 + i, i));
        }
        List<Entry> params = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            params.add(new Entry("p" + i, "v" + i));
        }
        // Requests: 890 metrics + 100 params + 10 tags; 950 metrics + 50 params; 660 metrics.
        assertEquals(3, client.logBatch(run, metrics, params, List.of(new Entry("t", "1"), new Entry("u", "2"),
                new Entry("v", "3"), new Entry("w", "4"), new Entry("x", "5"), new Entry("y", "6"), new Entry("z", "7"),
                new Entry("a", "8"), new Entry("b", "9"), new Entry("c", "10"))));
        assertEquals(3, server.calls("runs/log-batch"));
        MlflowTestServer.StoredRun stored = server.runs().get(0);
        assertEquals(2500, stored.history("loss").size());
        assertEquals(150, stored.params().size());
        RunView v = client.run(run);
        assertEquals(new Metric("loss", 249.9, 3499, 2499), v.latest().get("loss"));
    }

    @Test
    void aChangedParamAndABadNameAreRefusedNotRetried() throws Exception {
        String run = client.createRun(client.createExperiment("e"), "r", 0, List.of());
        client.logBatch(run, List.of(), List.of(new Entry("training.epochs", "6")), List.of());
        client.logBatch(run, List.of(), List.of(new Entry("training.epochs", "6")), List.of());
        MlflowRejectedException changed = assertThrows(MlflowRejectedException.class,
                () -> client.logBatch(run, List.of(), List.of(new Entry("training.epochs", "7")), List.of()));
        assertEquals("INVALID_PARAMETER_VALUE", changed.errorCode());
        assertTrue(changed.getMessage().contains("Changing param values is not allowed"), changed.getMessage());
        MlflowRejectedException name = assertThrows(MlflowRejectedException.class,
                () -> client.logBatch(run, List.of(new Metric("s1/kd<-teacher", 1, 0, 1)), List.of(), List.of()));
        assertTrue(name.getMessage().startsWith("runs/log-batch: HTTP 400 INVALID_PARAMETER_VALUE: Invalid name"
                + " 's1/kd<-teacher'"), name.getMessage());
        MlflowRejectedException missing = assertThrows(MlflowRejectedException.class, () -> client.run("nope"));
        assertEquals(404, missing.status());
        assertEquals(MlflowClient.RESOURCE_DOES_NOT_EXIST, missing.errorCode());
        assertEquals(Map.of("training.epochs", "6"), client.run(run).params());
    }

    @Test
    void aServerDownOrAwayIsUnavailable() throws Exception {
        server.unavailable(true);
        MlflowUnavailableException down = assertThrows(MlflowUnavailableException.class,
                () -> client.experimentByName("e"));
        assertTrue(down.getMessage().startsWith("experiments/get-by-name: tracking server " + server.uri()
                + "/ answered HTTP 503"), down.getMessage());
        server.unavailable(false);
        assertEquals(Optional.empty(), client.experimentByName("e"));
        server.close();
        MlflowUnavailableException away = assertThrows(MlflowUnavailableException.class,
                () -> client.createExperiment("e"));
        assertTrue(away.getMessage().startsWith("experiments/create: tracking server " + server.uri()
                + "/ unreachable"), away.getMessage());
    }

    @Test
    void aTrackingUriMustBeHttp() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MlflowClient(URI.create("file:///tmp/mlruns")));
        assertEquals("tracking URI: must start with http:// or https://, got file:///tmp/mlruns", e.getMessage());
    }
}
