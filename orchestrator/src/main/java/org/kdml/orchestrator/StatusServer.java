package org.kdml.orchestrator;

import org.kdml.pipeline.state.ExperimentStatus;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.kdml.spec.Specs;

/**
 * Interactive queries of the {@link ExperimentView} over HTTP (read only; binds 127.0.0.1 by
 * default): {@code GET /experiments} lists experiments, {@code GET /experiments/NAME} gives the
 * status that {@code kdml status NAME} prints.
 */
public final class StatusServer implements AutoCloseable {

    private final HttpServer server;

    /**
     * @param host the address to bind
     * @param port the port (0 = any free port)
     */
    public StatusServer(ExperimentView view, String host, int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 16);
        server.createContext("/experiments", exchange -> {
            try {
                String path = exchange.getRequestURI().getRawPath();
                if (!exchange.getRequestMethod().equals("GET")) {
                    send(exchange, 405, Map.of("error", "read only: GET"));
                } else if (path.equals("/experiments") || path.equals("/experiments/")) {
                    send(exchange, 200, Map.of("experiments", view.experiments(), "view", view.state()));
                } else {
                    String name = URLDecoder.decode(path.substring("/experiments/".length()), StandardCharsets.UTF_8);
                    ExperimentStatus status = view.status(name);
                    if (status == null) {
                        send(exchange, 404, Map.of("error", "no experiment '" + name + "' (yet)", "view", view.state()));
                    } else {
                        send(exchange, 200, status);
                    }
                }
            } catch (RuntimeException | IOException e) {
                send(exchange, 500, Map.of("error", String.valueOf(e.getMessage())));
            }
        });
        server.start();
    }

    /** @return the bound port */
    public int port() {
        return server.getAddress().getPort();
    }

    private static void send(HttpExchange exchange, int code, Object body) throws IOException {
        byte[] bytes = Specs.json().writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
