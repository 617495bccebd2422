package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.galleonfs.api.JobInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code --wait}'s event stream reader against a real HTTP server on loopback. */
class JobEventsTest {
    private HttpServer server;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile String stream = "";
    private volatile boolean stall;
    private final CountDownLatch released = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/jobs/", ex -> {
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")) + " " + ex.getRequestURI().getRawPath());
            byte[] body = stream.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(status, status == 200 ? 0 : -1);
            if (status == 200) {
                OutputStream out = ex.getResponseBody();
                out.write(body);
                out.flush();
                if (stall) {
                    try {
                        released.await(60, TimeUnit.SECONDS); // a daemon that stops sending but keeps the connection
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                out.close();
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        released.countDown();
        server.stop(0);
    }

    @Test
    void aSilentStreamIsGivenUpAfterTheIdleTime() throws Exception {
        stream = event("running", 10);
        stall = true;
        long t0 = System.nanoTime();
        Optional<JobInfo> last = JobEvents.follow(base(), Optional.empty(), Optional.empty(), "j1", j -> { }, Duration.ofMillis(500));
        assertEquals("running", last.orElseThrow().state(), "what came before the silence is kept");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "given up long before the server would answer");
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static String event(String state, long done) {
        return "data:{\"id\":\"j1\",\"kind\":\"backup\",\"state\":\"" + state + "\",\"bytes_done\":" + done
                + ",\"bytes_total\":100,\"bytes_per_second\":0}\n\n";
    }

    @Test
    void followsProgressEventsUntilTheJobEnds() throws Exception {
        // the end arrives, and what follows it (a keep-alive comment, another event) is not read
        stream = ": hello\n\n" + event("running", 10) + "data: " + event("running", 60).substring(5) + event("succeeded", 100)
                + event("running", 5);
        List<JobInfo> seen = new CopyOnWriteArrayList<>();
        Optional<JobInfo> last = JobEvents.follow(base(), Optional.of("tok"), Optional.empty(), "j1", seen::add, JobEvents.IDLE);

        assertEquals(List.of(10L, 60L, 100L), seen.stream().map(JobInfo::bytesDone).toList());
        assertEquals("succeeded", last.orElseThrow().state());
        assertEquals(List.of("Bearer tok /api/v1/jobs/j1/events"), authorizations);
    }

    @Test
    void aStreamThatEndsEarlyOrIsRefusedLeavesThePollingToTheCaller() throws Exception {
        stream = event("running", 10);
        Optional<JobInfo> cut = JobEvents.follow(base(), Optional.empty(), Optional.empty(), "j1", j -> { }, JobEvents.IDLE);
        assertEquals("running", cut.orElseThrow().state());

        status = 404;
        Optional<JobInfo> refused = JobEvents.follow(base(), Optional.empty(), Optional.empty(), "j1", j -> { }, JobEvents.IDLE);
        assertTrue(refused.isEmpty());

        status = 200;
        stream = "data: {not json\n\n";
        assertTrue(JobEvents.follow(base(), Optional.empty(), Optional.empty(), "j1", j -> { }, JobEvents.IDLE).isEmpty());
    }
}
