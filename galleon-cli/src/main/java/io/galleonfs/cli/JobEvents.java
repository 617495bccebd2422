package io.galleonfs.cli;

import io.galleonfs.api.JobInfo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

/**
 * Follows a job's server-sent event stream ({@code GET /api/v1/jobs/{id}/events}): one event per half second while it
 * runs and its final state the moment it ends, so {@code --wait} returns as soon as the job does instead of up to a
 * polling interval later. Returns what the stream said last; the caller falls back to polling when the stream could
 * not be followed to the job's end (an older daemon, a dropped connection, a stream silent for {@link #IDLE}).
 *
 * <p>Over {@link HttpURLConnection}, as {@link RestProxy}: the JDK's {@code HttpClient} built the default TLS context
 * and a selector thread even for plain HTTP (~0.1 s of CPU in a call that waits for a restore, on the cores the restore
 * runs on). The read timeout is the idle bound: a daemon that stops sending without closing the connection ends the
 * read with a timeout, and no watchdog thread is needed.
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
        JobInfo last = null;
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) base.resolve("/api/v1/jobs/" + RestProxy.encode(jobId) + "/events").toURL()
                    .openConnection(java.net.Proxy.NO_PROXY);
            if (c instanceof HttpsURLConnection https && tls.isPresent()) {
                https.setSSLSocketFactory(tls.get().getSocketFactory()); // hostname verification stays the default
            }
            c.setConnectTimeout(3000);
            c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, idle.toMillis())));
            c.setInstanceFollowRedirects(false);
            c.setUseCaches(false);
            c.setRequestProperty("Accept", "text/event-stream");
            HttpURLConnection conn = c;
            token.ifPresent(t -> conn.setRequestProperty("Authorization", "Bearer " + t));
            if (c.getResponseCode() != 200) {
                return Optional.empty();
            }
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8))) {
                StringBuilder data = new StringBuilder();
                String line;
                while ((line = lines.readLine()) != null) {
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                    if (line.startsWith("data:")) {
                        // "data:" and an optional space, then the payload; several data lines form one event
                        String payload = line.substring(line.startsWith("data: ") ? 6 : 5);
                        data.append(data.isEmpty() ? "" : "\n").append(payload);
                    } else if (line.isEmpty() && !data.isEmpty()) {
                        last = event(data.toString());
                        data.setLength(0);
                        onEvent.accept(last);
                        if (JobWatcher.finished(last)) {
                            break;
                        }
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // the stream broke, fell silent for longer than idle, or said something unreadable: the caller polls from
            // what it has
        } finally {
            if (c != null) {
                c.disconnect(); // an event stream is not read to its end: its connection is not kept for another call
            }
        }
        return Optional.ofNullable(last);
    }

    private static JobInfo event(String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        try {
            return (JobInfo) RecordJson.decode(bytes, JobInfo.class);
        } catch (RecordJson.Unsupported e) {
            return RestProxy.json().readValue(bytes, JobInfo.class); // the value or the error Jackson always gave
        }
    }
}
