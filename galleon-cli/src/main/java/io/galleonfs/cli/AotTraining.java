package io.galleonfs.cli;

import com.sun.net.httpserver.HttpServer;
import io.galleonfs.api.VolumeInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The workload bin/galleonfs records the CLI's AOT cache with ({@code java -XX:AOTCacheOutput=... -cp galleonfs-cli.jar
 * io.galleonfs.cli.AotTraining}): real CLI calls, through the same picocli, RestProxy, RecordJson and table code as a
 * user's, against an HTTP server in this process on loopback, so that no daemon is needed and the answer path is
 * recorded too. Training on a call that never got an answer (the earlier way) left ~180 Jackson and HTTP-response
 * classes out of the cache, and decoding a volume list then cost ~0.1 s more (ARCHITECTURE, "CLI start-up").
 *
 * <p>The server answers {@code GET /api/v1/volumes} with volumes built from the API record's own components (so the
 * sample follows the API as it changes; {@link #sample}) and anything else with a 404 problem document, which records
 * the error path. The CLI's output goes nowhere; an exception fails the run, so a unit test notices a broken workload.
 */
public final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) throws IOException {
        int failed = run();
        System.exit(failed == 0 ? 0 : 1);
    }

    /** Runs the workload; returns how many calls did not end as expected. */
    static int run() throws IOException {
        byte[] volumes = RestProxy.json().writeValueAsBytes(List.of(sample(VolumeInfo.class, 0), sample(VolumeInfo.class, 0)));
        byte[] notFound = "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"detail\":\"no such object\"}"
                .getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            boolean list = ex.getRequestMethod().equals("GET") && ex.getRequestURI().getPath().equals("/api/v1/volumes");
            byte[] body = list ? volumes : notFound;
            ex.getResponseHeaders().add("Content-Type", list ? "application/json" : "application/problem+json");
            ex.sendResponseHeaders(list ? 200 : 404, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        PrintStream out = System.out;
        PrintStream err = System.err;
        String address = "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
        int failed = 0;
        try {
            PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
            System.setOut(nowhere);
            System.setErr(nowhere);
            String[][] calls = {
                {"--daemon-address", address, "--token", "training", "volume", "list"},
                {"--daemon-address", address, "--token", "training", "volume", "list", "-o", "json"},
                {"--daemon-address", address, "--token", "training", "volume", "get", "training"},
            };
            int[] expected = {0, 0, ErrorHandler.FAILED};
            for (int i = 0; i < calls.length; i++) {
                int code = GalleonCli.commandLine(calls[i]).execute(calls[i]);
                if (code != expected[i]) {
                    err.println("AotTraining: " + String.join(" ", calls[i]) + " exited " + code + ", expected " + expected[i]);
                    failed++;
                }
            }
        } finally {
            System.setOut(out);
            System.setErr(err);
            server.stop(0);
        }
        return failed;
    }

    /**
     * An instance of {@code type} with a plausible value in every component: records recursively, one element in
     * every list and map, an enum's first constant. Only for training data.
     */
    static Object sample(Type type, int depth) {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (raw == String.class) {
            return "sample";
        } else if (raw == long.class || raw == Long.class) {
            return 1L << 20;
        } else if (raw == int.class || raw == Integer.class) {
            return 1;
        } else if (raw == double.class || raw == Double.class) {
            return 1.0;
        } else if (raw == boolean.class || raw == Boolean.class) {
            return Boolean.TRUE;
        } else if (raw.isEnum()) {
            return raw.getEnumConstants()[0];
        } else if (depth > 4) {
            return null;
        } else if (List.class.isAssignableFrom(raw) && type instanceof ParameterizedType p) {
            Object element = sample(p.getActualTypeArguments()[0], depth + 1);
            return element == null ? List.of() : List.of(element);
        } else if (Map.class.isAssignableFrom(raw) && type instanceof ParameterizedType p) {
            Object key = sample(p.getActualTypeArguments()[0], depth + 1);
            Object value = sample(p.getActualTypeArguments()[1], depth + 1);
            return key == null || value == null ? Map.of() : Map.of(key, value);
        } else if (raw.isRecord()) {
            RecordComponent[] components = raw.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            Object[] values = new Object[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                values[i] = sample(components[i].getGenericType(), depth + 1);
            }
            try {
                return raw.getDeclaredConstructor(types).newInstance(values);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot build a sample " + raw.getName(), e);
            }
        }
        return null;
    }
}
