package io.galleonfs.cli;

import io.galleonfs.api.JobInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/**
 * Follows a job's server-sent event stream ({@code GET /api/v1/jobs/{id}/events}): one event per half second while it
 * runs and its final state the moment it ends, so {@code --wait} returns as soon as the job does instead of up to a
 * polling interval later. Returns what the stream said last; the caller falls back to polling when the stream could
 * not be followed to the job's end (an older daemon, a dropped connection).
 */
final class JobEvents {
    private JobEvents() {
    }

    /** A stream silent this long is given up (the daemon sends an event every half second while the job runs). */
    static final Duration IDLE = Duration.ofSeconds(30);

    /** The daemon the CLI talks to, with its credentials. */
    static Optional<JobInfo> follow(String jobId, Consumer<JobInfo> onEvent) throws InterruptedException {
        return follow(ApiClients.baseUri(), ApiClients.token(), ApiClients.trustedCa().map(TrustedCa::sslContext), jobId, onEvent, IDLE);
    }

    static Optional<JobInfo> follow(URI base, Optional<String> token, Optional<SSLContext> tls, String jobId, Consumer<JobInfo> onEvent,
                                    Duration idle) throws InterruptedException {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(3));
        tls.ifPresent(b::sslContext);
        HttpClient http = b.build();
        JobInfo last = null;
        // A daemon that stops sending without closing the connection must not hang the CLI: the watchdog aborts the
        // exchange (the line iterator then fails) and the caller polls, with the REST client's read timeout.
        AtomicLong lastLine = new AtomicLong(System.nanoTime());
        Thread watchdog = Thread.ofPlatform().daemon().name("galleon-job-events-watchdog").start(() -> {
            try {
                while (System.nanoTime() - lastLine.get() < idle.toNanos()) {
                    Thread.sleep(Math.max(1, idle.toMillis() / 10));
                }
                http.shutdownNow();
            } catch (InterruptedException e) {
                // the stream ended first
            }
        });
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/api/v1/jobs/" + RestProxy.encode(jobId) + "/events"))
                    .header("Accept", "text/event-stream").GET();
            token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
            HttpResponse<Stream<String>> response = http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
            try (Stream<String> lines = response.body()) {
                if (response.statusCode() != 200) {
                    return Optional.empty();
                }
                StringBuilder data = new StringBuilder();
                Iterator<String> it = lines.iterator();
                while (it.hasNext()) {
                    String line = it.next();
                    lastLine.set(System.nanoTime());
                    if (line.startsWith("data:")) {
                        // "data:" and an optional space, then the payload; several data lines form one event
                        String payload = line.substring(line.startsWith("data: ") ? 6 : 5);
                        data.append(data.isEmpty() ? "" : "\n").append(payload);
                    } else if (line.isEmpty() && !data.isEmpty()) {
                        last = RestProxy.json().readValue(data.toString(), JobInfo.class);
                        data.setLength(0);
                        onEvent.accept(last);
                        if (JobWatcher.finished(last)) {
                            break;
                        }
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // the stream broke or said something unreadable: the caller polls from what it has
        } finally {
            watchdog.interrupt();
            http.shutdownNow();
        }
        return Optional.ofNullable(last);
    }
}
