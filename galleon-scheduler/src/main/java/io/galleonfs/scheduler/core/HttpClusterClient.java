package io.galleonfs.scheduler.core;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.galleonfs.api.MissedRunsRequest;
import io.galleonfs.api.PolicyInfo;
import io.galleonfs.api.PolicyRunInfo;
import io.galleonfs.api.PrunedRequest;
import io.galleonfs.api.RunClaimRequest;
import io.galleonfs.api.RunUpdateRequest;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * {@link ClusterClient} over the nodes' REST API with a bearer token. It sticks to the node that answered last and
 * moves to the next one it knows when a node cannot be reached or answers 503 (no Raft majority, not ready), so the
 * scheduler keeps working while any reachable node can commit.
 */
public final class HttpClusterClient implements ClusterClient {
    private static final Logger LOG = Logger.getLogger(HttpClusterClient.class);
    private static final ObjectMapper JSON = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private final List<String> addresses;
    private final String bearer;
    private final HttpClient http;
    private final Duration timeout;
    private final AtomicInteger current = new AtomicInteger();

    /** @param addresses host:port of the nodes' API */
    public HttpClusterClient(List<String> addresses, String token, Duration timeout) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no cluster address given");
        }
        this.addresses = List.copyOf(addresses);
        this.bearer = "Bearer " + token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    private record Answer(int status, String body, String etag) {
    }

    /** The last policy list and its entity tag: re-read only when the node says it changed. */
    private record PolicyList(String etag, List<PolicyInfo> policies) {
    }

    private volatile PolicyList policyList;

    private Answer call(String method, String path, Object body) {
        return call(method, path, body, null);
    }

    private Answer call(String method, String path, Object body, String ifNoneMatch) {
        String payload;
        try {
            payload = body == null ? null : JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException("request body cannot be serialised", e);
        }
        ClusterException last = null;
        int start = current.get();
        for (int i = 0; i < addresses.size(); i++) {
            int index = (start + i) % addresses.size();
            String address = addresses.get(index);
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + address + path)).timeout(timeout)
                    .header("Authorization", bearer).header("Accept", "application/json");
            if (ifNoneMatch != null) {
                b.header("If-None-Match", ifNoneMatch);
            }
            if (payload != null) {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(payload));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            try {
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 503) {
                    last = new ClusterException(503, address + ": " + detail(r.body()));
                    continue;
                }
                if (index != start) {
                    LOG.infof("now talking to %s", address);
                }
                current.set(index);
                return new Answer(r.statusCode(), r.body(), r.headers().firstValue("ETag").orElse(null));
            } catch (IOException e) {
                last = new ClusterException("node " + address + " cannot be reached: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClusterException("interrupted while calling " + address, e);
            }
        }
        throw new ClusterException("no node answered " + method + " " + path + ": " + (last == null ? "" : last.getMessage()),
                last);
    }

    private static String detail(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.hasNonNull("detail")) {
                return n.get("detail").asText();
            }
        } catch (IOException e) {
            // not a problem body: show it as it is
        }
        return body == null ? "" : body.length() > 300 ? body.substring(0, 300) : body;
    }

    private static Answer ok(Answer a, String what) {
        if (a.status() >= 300) {
            throw new ClusterException(a.status(), what + ": HTTP " + a.status() + ": " + detail(a.body()));
        }
        return a;
    }

    private static <T> T read(Answer a, Class<T> type) {
        try {
            return JSON.readValue(a.body(), type);
        } catch (IOException e) {
            throw new ClusterException(a.status(), "unreadable answer: " + e.getMessage());
        }
    }

    private static <T> T read(Answer a, TypeReference<T> type) {
        try {
            return JSON.readValue(a.body(), type);
        } catch (IOException e) {
            throw new ClusterException(a.status(), "unreadable answer: " + e.getMessage());
        }
    }

    /**
     * A volume route for a reference as the selection gives it: {@code namespace/name} becomes the name in the path and
     * {@code ?namespace=}, a bare name (default namespace) stays as it is.
     */
    static String volumePath(String ref, String rest) {
        int slash = ref.indexOf('/');
        if (slash < 0) {
            return "/api/v1/volumes/" + seg(ref) + rest;
        }
        return "/api/v1/volumes/" + seg(ref.substring(slash + 1)) + rest + "?namespace=" + seg(ref.substring(0, slash));
    }

    private static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public List<PolicyInfo> listPolicies() {
        PolicyList known = policyList;
        Answer a = call("GET", "/api/v1/policies", null, known == null ? null : known.etag());
        if (a.status() == 304 && known != null) {
            return known.policies();
        }
        List<PolicyInfo> policies = List.copyOf(read(ok(a, "list policies"), new TypeReference<List<PolicyInfo>>() { }));
        policyList = a.etag() == null ? null : new PolicyList(a.etag(), policies);
        return policies;
    }

    @Override
    public List<PolicyRunInfo> history(String policy) {
        return read(ok(call("GET", "/api/v1/policies/" + seg(policy) + "/history", null), "history of " + policy),
                new TypeReference<List<PolicyRunInfo>>() { });
    }

    @Override
    public Optional<PolicyRunInfo> claim(String policy, Instant scheduledFor, String claimant, int leaseSeconds) {
        Answer a = call("POST", "/api/v1/policies/" + seg(policy) + "/runs", new RunClaimRequest(scheduledFor.toString(), claimant, leaseSeconds));
        return a.status() == 409 ? Optional.empty() : Optional.of(read(ok(a, "claim " + policy + "@" + scheduledFor), PolicyRunInfo.class));
    }

    @Override
    public Optional<PolicyRunInfo> acquire(String policy, String runId, String claimant, int leaseSeconds) {
        Answer a = call("POST", "/api/v1/policies/" + seg(policy) + "/runs/" + seg(runId) + "/claim", new RunClaimRequest(null, claimant, leaseSeconds));
        return a.status() == 409 ? Optional.empty() : Optional.of(read(ok(a, "acquire run " + runId), PolicyRunInfo.class));
    }

    @Override
    public Optional<PolicyRunInfo> update(String policy, String runId, RunUpdateRequest update) {
        Answer a = call("PUT", "/api/v1/policies/" + seg(policy) + "/runs/" + seg(runId), update);
        return a.status() == 409 || a.status() == 404 ? Optional.empty() : Optional.of(read(ok(a, "update run " + runId), PolicyRunInfo.class));
    }

    @Override
    public boolean recordMissed(String policy, Instant from, Instant to, long count) {
        Answer a = call("POST", "/api/v1/policies/" + seg(policy) + "/missed", new MissedRunsRequest(from.toString(), to.toString(), count));
        if (a.status() == 409) {
            return false;
        }
        ok(a, "record missed runs of " + policy);
        return true;
    }

    @Override
    public void markPruned(String policy, List<String> artifactIds) {
        ok(call("POST", "/api/v1/policies/" + seg(policy) + "/pruned", new PrunedRequest(artifactIds)), "mark pruned");
    }

    @Override
    public void createSnapshot(String volume, String name) {
        ok(call("POST", volumePath(volume, "/snapshots"), Map.of("name", name)), "snapshot " + volume + "/" + name);
    }

    @Override
    public void deleteSnapshot(String volume, String name) {
        Answer a = call("DELETE", volumePath(volume, "/snapshots/" + seg(name)), null);
        if (a.status() != 404) {
            ok(a, "delete snapshot " + volume + "/" + name);
        }
    }

    @Override
    public BackupJob startBackup(String volume, String target, String strategy, String idempotencyKey) {
        Answer a = ok(call("POST", "/api/v1/backups", Map.of("volume", volume, "target", target, "strategy", strategy,
                "idempotency_key", idempotencyKey)), "backup of " + volume);
        return job(read(a, JsonNode.class), null);
    }

    @Override
    public List<io.galleonfs.policy.VolumeSelection.Candidate> listVolumes() {
        JsonNode all = read(ok(call("GET", "/api/v1/volumes", null), "list volumes"), JsonNode.class);
        List<io.galleonfs.policy.VolumeSelection.Candidate> out = new java.util.ArrayList<>();
        for (JsonNode v : all) {
            Map<String, String> labels = new java.util.TreeMap<>();
            if (v.hasNonNull("labels")) {
                v.get("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
            }
            out.add(new io.galleonfs.policy.VolumeSelection.Candidate(text(v, "name"), text(v, "namespace"), labels));
        }
        return out;
    }

    @Override
    public BackupJob job(String jobId) {
        return job(read(ok(call("GET", "/api/v1/jobs/" + seg(jobId), null), "job " + jobId), JsonNode.class), jobId);
    }

    @Override
    public void deleteBackup(String backupId) {
        Answer a = call("DELETE", "/api/v1/backups/" + seg(backupId), null);
        if (a.status() != 404) {
            ok(a, "delete backup " + backupId);
        }
    }

    @Override
    public void pruneTarget(String target) {
        ok(call("POST", "/api/v1/backup-targets/" + seg(target) + "/prune", null), "prune target " + target);
    }

    @Override
    public HookOutcome runCommandHook(String policy, String phase, String volume, String runId) {
        Map<String, String> body = new java.util.LinkedHashMap<>();
        body.put("volume", volume);
        body.put("run_id", runId);
        io.galleonfs.api.HookResult r = read(ok(call("POST", "/api/v1/policies/" + seg(policy) + "/hooks/" + seg(phase), body),
                phase + "-hook of " + policy), io.galleonfs.api.HookResult.class);
        if (r.succeeded()) {
            return new HookOutcome(true, null);
        }
        String how = r.timedOut() ? "killed at its timeout" : r.exitCode() == null ? "could not start" : "exit " + r.exitCode();
        String tail = r.stderrTail() == null || r.stderrTail().isBlank() ? r.stdoutTail() : r.stderrTail();
        return new HookOutcome(false, phase + "-hook failed on " + r.node() + ": " + how + (tail == null || tail.isBlank() ? "" : ": " + tail));
    }

    @Override
    public HookOutcome callUrlHook(io.galleonfs.api.PolicyHook hook, Map<String, String> body) {
        int seconds = hook.timeoutSeconds() == null ? 60 : hook.timeoutSeconds();
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(hook.url())).timeout(Duration.ofSeconds(seconds))
                    .header("Content-Type", "application/json");
            String method = hook.method() == null ? "POST" : hook.method();
            b.method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 == 2) {
                return new HookOutcome(true, null);
            }
            String text = r.body() == null ? "" : r.body().strip();
            return new HookOutcome(false, "hook " + method + " " + hook.url() + " answered HTTP " + r.statusCode()
                    + (text.isEmpty() ? "" : ": " + (text.length() > 1000 ? text.substring(text.length() - 1000) : text)));
        } catch (java.net.http.HttpTimeoutException e) {
            return new HookOutcome(false, "hook " + hook.url() + " did not answer within " + seconds + " s");
        } catch (IOException e) {
            return new HookOutcome(false, "hook " + hook.url() + " cannot be reached: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new HookOutcome(false, "interrupted while calling hook " + hook.url());
        }
    }

    @Override
    public List<String> freeze(String volume, int timeoutSeconds) {
        io.galleonfs.api.FreezeResult r = read(ok(call("POST", volumePath(volume, "/freeze"),
                Map.of("timeout_seconds", timeoutSeconds)), "freeze " + volume), io.galleonfs.api.FreezeResult.class);
        return r.paths() == null ? List.of() : r.paths();
    }

    @Override
    public boolean thaw(String volume) {
        io.galleonfs.api.FreezeResult r = read(ok(call("POST", volumePath(volume, "/thaw"), Map.of()), "thaw " + volume),
                io.galleonfs.api.FreezeResult.class);
        return Boolean.TRUE.equals(r.wasFrozen());
    }

    @Override
    public boolean backupSnapshotTaken(String backupId, String volume) {
        JsonNode backup = read(ok(call("GET", "/api/v1/backups/" + seg(backupId), null), "backup " + backupId), JsonNode.class);
        String snapshot = text(backup, "snapshot");
        if (snapshot == null) {
            return false;
        }
        JsonNode snapshots = read(ok(call("GET", volumePath(volume, "/snapshots"), null), "snapshots of " + volume),
                JsonNode.class);
        for (JsonNode n : snapshots) {
            if (snapshot.equals(text(n, "name"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads a job or backup answer leniently: the job id is {@code job_id} or {@code id}, the backup id
     * {@code backup_id} (or {@code id} when the answer is the backup itself), the state {@code status} or {@code state}.
     */
    static BackupJob job(JsonNode n, String knownJobId) {
        String jobId = text(n, "job_id") != null ? text(n, "job_id") : knownJobId != null ? knownJobId : text(n, "id");
        String backupId = text(n, "backup_id") != null ? text(n, "backup_id") : knownJobId == null ? text(n, "id") : null;
        String state = text(n, "status") != null ? text(n, "status") : text(n, "state");
        String s = state == null ? "running" : state.toLowerCase(Locale.ROOT);
        BackupJob.State st = switch (s) {
            case "succeeded", "success", "completed", "complete", "done", "finished" -> BackupJob.State.SUCCEEDED;
            case "failed", "error", "cancelled", "canceled" -> BackupJob.State.FAILED;
            default -> BackupJob.State.RUNNING;
        };
        String error = text(n, "error") != null ? text(n, "error") : text(n, "message");
        return new BackupJob(jobId, backupId, st, error);
    }

    private static String text(JsonNode n, String field) {
        return n != null && n.hasNonNull(field) ? n.get(field).asText() : null;
    }
}
