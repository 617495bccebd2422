package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.deleteVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(TempStorageResource.class)
class PolicyResourceTest {
    private static final String POLICIES = "/api/v1/policies";
    private String volume;

    @BeforeEach
    void volume() {
        volume = unique("pol");
        createVolume(Map.of("name", volume, "size", "1M"));
    }

    @AfterEach
    void cleanUp() {
        List<String> names = given().get(POLICIES).then().statusCode(200).extract().jsonPath().getList("spec.name");
        names.forEach(n -> given().delete(POLICIES + "/" + n).then().statusCode(204));
        deleteVolume(volume);
    }

    private static Response post(String path, Object body) {
        return given().contentType(ContentType.JSON).accept(ContentType.JSON).body(body).post(path);
    }

    private Map<String, Object> snapshotPolicy(String name, String concurrency) {
        return Map.of("name", name, "schedule", "0 2 * * *", "kind", "snapshot", "concurrency", concurrency,
                "retention", Map.of("keep_last", 3), "selector", Map.of("volumes", List.of(volume)));
    }

    @Test
    void seedBackupPolicyLoadsUnchangedAndShowsItsNextRun() throws Exception {
        String name = unique("seed");
        String target = unique("offsite");
        java.nio.file.Path repo = java.nio.file.Files.createTempDirectory("policy-target");
        post("/api/v1/backup-targets", Map.of("name", target, "url", repo.toUri().toString(), "passphrase", "correct horse battery"))
                .then().statusCode(201);
        // The seed's BackupPolicy fields, with its enum spellings, plus what a backup needs: a target and volumes.
        String body = """
                {"name": "%s", "schedule": "0 2 * * *", "retention": {"daily": 7, "weekly": 4, "monthly": 3},
                 "strategy": "Incremental", "consistency": "Application", "target": "%s",
                 "selector": {"volumes": ["%s"]}}""".formatted(name, target, volume);
        post(POLICIES, body).then().statusCode(201)
                .body("spec.strategy", equalTo("incremental"))
                .body("spec.consistency", equalTo("application"))
                .body("spec.kind", equalTo("backup"))
                .body("spec.timezone", equalTo("UTC"))
                .body("spec.retention.daily", equalTo(7))
                .body("status", equalTo("active"));
        String next = given().get(POLICIES + "/" + name).then().statusCode(200).extract().path("next_run");
        Instant at = Instant.parse(next);
        assertTrue(at.isAfter(Instant.now()), next);
        assertEquals("02:00:00Z", next.substring(11), next);
        given().delete(POLICIES + "/" + name).then().statusCode(204);
        given().delete("/api/v1/backup-targets/" + target).then().statusCode(204);
    }

    @Test
    void badPoliciesAreRefusedAndChangeNothing() {
        String name = unique("bad");
        Map<String, Object> ok = snapshotPolicy(name, "forbid");
        assertTrue(assertProblem(post(POLICIES, merge(ok, Map.of("schedule", "61 * * * *"))), 400).contains("minute 61"));
        assertTrue(assertProblem(post(POLICIES, merge(ok, Map.of("timezone", "Mars/Olympus"))), 400).contains("time zone"));
        assertTrue(assertProblem(post(POLICIES, merge(ok, Map.of("retention", Map.of("daily", -1)))), 400).contains("negative"));
        assertTrue(assertProblem(post(POLICIES, merge(ok, Map.of("concurrency", "sometimes"))), 400).contains("concurrency"));
        assertTrue(assertProblem(post(POLICIES, merge(ok, Map.of("selector", Map.of("volumes", List.of("no-such-vol"))))), 400)
                .contains("does not exist"));
        assertTrue(assertProblem(post(POLICIES, merge(ok, Map.of("kind", "backup"))), 400).contains("target is required"));
        assertTrue(assertProblem(post(POLICIES, merge(ok, Map.of("kind", "backup", "target", "no-such-target"))), 400)
                .contains("does not exist"));
        assertTrue(assertProblem(post(POLICIES, merge(ok, Map.of("starting_deadline", -5))), 400).contains("starting_deadline"));
        given().get(POLICIES + "/" + name).then().statusCode(404);
        post(POLICIES, ok).then().statusCode(201);
        assertProblem(post(POLICIES, ok), 409);
    }

    @Test
    void eachFiringIsClaimedOnceAndEndsOnce() {
        String name = unique("claim");
        post(POLICIES, snapshotPolicy(name, "allow")).then().statusCode(201);
        Map<String, Object> claim = Map.of("scheduled_for", "2099-01-01T02:00:00Z", "claimant", "s1", "lease_seconds", 60);
        String run = post(POLICIES + "/" + name + "/runs", claim).then().statusCode(201)
                .body("status", equalTo("running")).body("claimed_by", equalTo("s1")).extract().path("id");
        // Another scheduler racing for the same firing, or for an earlier one, loses.
        assertTrue(assertProblem(post(POLICIES + "/" + name + "/runs", Map.of("scheduled_for", "2099-01-01T02:00:00Z", "claimant", "s2")), 409)
                .contains("already handled"));
        assertProblem(post(POLICIES + "/" + name + "/runs", Map.of("scheduled_for", "2098-01-01T02:00:00Z", "claimant", "s2")), 409);
        // Only the holder ends the run, and only once.
        Map<String, Object> done = Map.of("claimant", "s1", "status", "succeeded",
                "artifacts", List.of(Map.of("volume", volume, "id", name + "-20990101020000")));
        assertProblem(given().contentType(ContentType.JSON).body(merge(done, Map.of("claimant", "s2"))).put(POLICIES + "/" + name + "/runs/" + run), 409);
        given().contentType(ContentType.JSON).body(done).put(POLICIES + "/" + name + "/runs/" + run).then().statusCode(200)
                .body("status", equalTo("succeeded")).body("duration_ms", notNullValue());
        assertProblem(given().contentType(ContentType.JSON).body(done).put(POLICIES + "/" + name + "/runs/" + run), 409);
        given().get(POLICIES + "/" + name).then().statusCode(200)
                .body("last_run.status", equalTo("succeeded"))
                .body("last_scheduled_for", equalTo("2099-01-01T02:00:00Z"));
        post(POLICIES + "/" + name + "/pruned", Map.of("artifacts", List.of(name + "-20990101020000"))).then().statusCode(204);
        given().get(POLICIES + "/" + name + "/history").then().statusCode(200).body("[0].artifacts[0].pruned", equalTo(true));
    }

    @Test
    void concurrencyForbidSkipsAndReplaceSupersedes() {
        String forbid = unique("forbid");
        post(POLICIES, snapshotPolicy(forbid, "forbid")).then().statusCode(201);
        post(POLICIES + "/" + forbid + "/runs", Map.of("scheduled_for", "2099-01-01T02:00:00Z", "claimant", "s1")).then().statusCode(201)
                .body("status", equalTo("running"));
        post(POLICIES + "/" + forbid + "/runs", Map.of("scheduled_for", "2099-01-02T02:00:00Z", "claimant", "s1")).then().statusCode(201)
                .body("status", equalTo("skipped")).body("error", containsString("forbid"));

        String replace = unique("replace");
        post(POLICIES, snapshotPolicy(replace, "replace")).then().statusCode(201);
        String first = post(POLICIES + "/" + replace + "/runs", Map.of("scheduled_for", "2099-01-01T02:00:00Z", "claimant", "s1"))
                .then().statusCode(201).extract().path("id");
        post(POLICIES + "/" + replace + "/runs", Map.of("scheduled_for", "2099-01-02T02:00:00Z", "claimant", "s2")).then().statusCode(201)
                .body("status", equalTo("running"));
        given().get(POLICIES + "/" + replace + "/history").then().statusCode(200)
                .body("find { it.id == '" + first + "' }.status", equalTo("replaced"));
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("claimant", "s1", "status", "succeeded"))
                .put(POLICIES + "/" + replace + "/runs/" + first), 409);
    }

    @Test
    void runNowIsAcquiredOnceSuspendStopsClaimsAndMissedAdvancesTheWatermark() {
        String name = unique("manual");
        post(POLICIES, snapshotPolicy(name, "forbid")).then().statusCode(201);
        String run = given().post(POLICIES + "/" + name + "/run-now").then().statusCode(202)
                .body("status", equalTo("pending")).body("manual", equalTo(true)).extract().path("id");
        post(POLICIES + "/" + name + "/runs/" + run + "/claim", Map.of("claimant", "s1", "lease_seconds", 60)).then().statusCode(200)
                .body("status", equalTo("running"));
        assertProblem(post(POLICIES + "/" + name + "/runs/" + run + "/claim", Map.of("claimant", "s2")), 409);

        given().post(POLICIES + "/" + name + "/suspend").then().statusCode(200).body("status", equalTo("suspended"));
        assertTrue(assertProblem(post(POLICIES + "/" + name + "/runs", Map.of("scheduled_for", "2099-01-01T02:00:00Z", "claimant", "s1")), 409)
                .contains("suspended"));
        given().post(POLICIES + "/" + name + "/resume").then().statusCode(200).body("status", equalTo("active"));

        post(POLICIES + "/" + name + "/missed", Map.of("from", "2099-01-01T02:00:00Z", "to", "2099-01-03T02:00:00Z", "count", 3))
                .then().statusCode(201).body("status", equalTo("missed")).body("missed_count", equalTo(3));
        assertProblem(post(POLICIES + "/" + name + "/runs", Map.of("scheduled_for", "2099-01-02T02:00:00Z", "claimant", "s1")), 409);
        assertProblem(post(POLICIES + "/" + name + "/missed", Map.of("from", "2099-01-01T02:00:00Z", "to", "2099-01-02T02:00:00Z", "count", 1)), 409);
        given().get(POLICIES + "/" + name + "/history").then().statusCode(200).body("size()", equalTo(2));
    }

    @Test
    void abandonedRunIsTakenOverAfterItsLease() {
        String name = unique("lease");
        post(POLICIES, snapshotPolicy(name, "forbid")).then().statusCode(201);
        String run = post(POLICIES + "/" + name + "/runs", Map.of("scheduled_for", "2099-01-01T02:00:00Z", "claimant", "dead", "lease_seconds", 1))
                .then().statusCode(201).extract().path("id");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                post(POLICIES + "/" + name + "/runs/" + run + "/claim", Map.of("claimant", "alive")).statusCode() == 200);
        given().get(POLICIES + "/" + name + "/history").then().body("[0].claimed_by", equalTo("alive")).body("[0].attempt", equalTo(2));
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("claimant", "dead", "status", "succeeded"))
                .put(POLICIES + "/" + name + "/runs/" + run), 409);
    }

    private static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> changes) {
        Map<String, Object> m = new java.util.HashMap<>(base);
        m.putAll(changes);
        return m;
    }

    @Test
    void volumeLabelsAreStoredShownChangedAndValidated() {
        String v = unique("lab");
        post("/api/v1/volumes", Map.of("name", v, "size", "1M", "labels", Map.of("app", "pg", "tier", "gold"))).then().statusCode(201)
                .body("labels.app", equalTo("pg")).body("labels.tier", equalTo("gold"));
        given().contentType(ContentType.JSON).body(Map.of("set", Map.of("tier", "silver", "example.com/owner", "ops"), "remove", List.of("app")))
                .put("/api/v1/volumes/" + v + "/labels").then().statusCode(200)
                .body("labels.tier", equalTo("silver")).body("labels.app", equalTo(null)).body("labels.'example.com/owner'", equalTo("ops"));
        given().get("/api/v1/volumes/" + v).then().statusCode(200).body("labels.tier", equalTo("silver"));
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("set", Map.of("bad key!", "x")))
                .put("/api/v1/volumes/" + v + "/labels"), 400);
        assertProblem(given().contentType(ContentType.JSON).body(Map.of("set", Map.of("a", "x"), "remove", List.of("a")))
                .put("/api/v1/volumes/" + v + "/labels"), 400);
        assertProblem(post("/api/v1/volumes", Map.of("name", unique("lab"), "labels", Map.of("k", "-bad-"))), 400);
        given().get("/api/v1/volumes/" + v).then().statusCode(200).body("labels.tier", equalTo("silver"));
        deleteVolume(v);
    }

    @Test
    void selectorsTakeLabelsAndNamespacesAndRefuseBadOnes() {
        String name = unique("sel");
        post(POLICIES, Map.of("name", name, "schedule", "0 2 * * *", "kind", "snapshot",
                "selector", Map.of("labels", Map.of("tier", "gold"), "namespace", "default"))).then().statusCode(201)
                .body("spec.selector.labels.tier", equalTo("gold")).body("spec.selector.namespace", equalTo("default"));
        assertProblem(post(POLICIES, Map.of("name", unique("sel"), "schedule", "0 2 * * *", "kind", "snapshot",
                "selector", Map.of("labels", Map.of("no spaces", "x")))), 400);
        assertProblem(post(POLICIES, Map.of("name", unique("sel"), "schedule", "0 2 * * *", "kind", "snapshot",
                "selector", Map.of("namespace", "Not_A_Name"))), 400);
    }

    @Test
    void renamingKeepsTheHistorySoRetentionStillOwnsTheOldSnapshots() {
        String name = unique("ren");
        post(POLICIES, snapshotPolicy(name, "forbid")).then().statusCode(201);
        String run = post(POLICIES + "/" + name + "/runs", Map.of("scheduled_for", "2030-01-01T02:00:00Z", "claimant", "s1"))
                .then().statusCode(201).extract().path("id");
        String renamed = unique("ren2");
        // Not while a run is open: its restart names its snapshot after the policy.
        assertProblem(post(POLICIES + "/" + name + "/rename", Map.of("name", renamed)), 409);
        given().contentType(ContentType.JSON).body(Map.of("claimant", "s1", "status", "succeeded",
                "artifacts", List.of(Map.of("volume", volume, "id", name + "-20300101020000")))).put(POLICIES + "/" + name + "/runs/" + run)
                .then().statusCode(200);
        post(POLICIES + "/" + name + "/rename", Map.of("name", renamed)).then().statusCode(200).body("spec.name", equalTo(renamed))
                .body("last_scheduled_for", equalTo("2030-01-01T02:00:00Z"));
        given().get(POLICIES + "/" + name).then().statusCode(404);
        given().get(POLICIES + "/" + renamed + "/history").then().statusCode(200)
                .body("[0].artifacts[0].id", equalTo(name + "-20300101020000")).body("[0].policy", equalTo(renamed));
        assertProblem(post(POLICIES + "/" + renamed + "/rename", Map.of("name", "Bad Name")), 400);
    }

    @Test
    void hooksAreValidatedAndACommandHookRunsOnTheNodeWithItsOutputAndExitCode() {
        Map<String, Object> base = new java.util.HashMap<>(snapshotPolicy(unique("hk"), "forbid"));
        base.put("consistency", "application");
        for (Object bad : List.of(Map.of("url", "ftp://x/y"), Map.of("url", "not a url"), Map.of("command", List.of("relative")),
                Map.of("command", List.of("/bin/true"), "url", "http://h/x"), Map.of(), Map.of("url", "http://h/x", "timeout_seconds", 0),
                Map.of("url", "http://h/x", "method", "DELETE"))) {
            Map<String, Object> p = new java.util.HashMap<>(base);
            p.put("pre_hook", bad);
            assertProblem(post(POLICIES, p), 400);
        }
        assertEquals(0, given().get(POLICIES).then().statusCode(200).extract().jsonPath().getList("$").size());
        String name = unique("hk");
        Map<String, Object> ok = new java.util.HashMap<>(base);
        ok.put("name", name);
        ok.put("pre_hook", Map.of("command", List.of("/bin/sh", "-c", "echo out $GALLEON_VOLUME $GALLEON_HOOK_PHASE; echo broken >&2; exit 3"),
                "timeout_seconds", 5));
        ok.put("post_hook", Map.of("command", List.of("/bin/sleep", "30"), "timeout_seconds", 1));
        post(POLICIES, ok).then().statusCode(201).body("spec.pre_hook.timeout_seconds", equalTo(5));
        post(POLICIES + "/" + name + "/hooks/pre", Map.of("volume", volume)).then().statusCode(200)
                .body("exit_code", equalTo(3)).body("stdout_tail", equalTo("out " + volume + " pre")).body("stderr_tail", equalTo("broken"))
                .body("timed_out", equalTo(false));
        post(POLICIES + "/" + name + "/hooks/post", Map.of("volume", volume)).then().statusCode(200)
                .body("timed_out", equalTo(true)).body("exit_code", equalTo(null));
        assertProblem(post(POLICIES + "/" + name + "/hooks/during", Map.of("volume", volume)), 400);
        // Command hooks run commands on nodes: only an admin may store one. An operator (a scheduler's token) may run
        // the admin's hook, but only for a volume the policy covers and the operator may see.
        String operator = post("/api/v1/tokens", Map.of("name", unique("op"), "role", "operator")).then().statusCode(201).extract().path("secret");
        ok.put("name", unique("hk"));
        given().header("Authorization", "Bearer " + operator).contentType(ContentType.JSON).body(ok).post(POLICIES).then().statusCode(403);
        given().header("Authorization", "Bearer " + operator).contentType(ContentType.JSON).body(Map.of("volume", volume))
                .post(POLICIES + "/" + name + "/hooks/pre").then().statusCode(200).body("exit_code", equalTo(3));
        String other = unique("pol");
        createVolume(Map.of("name", other, "size", "1M"));
        assertTrue(assertProblem(given().header("Authorization", "Bearer " + operator).contentType(ContentType.JSON)
                .body(Map.of("volume", other)).post(POLICIES + "/" + name + "/hooks/pre"), 403).contains("does not cover"));
        String foreign = post("/api/v1/tokens", Map.of("name", unique("op"), "role", "operator", "namespaces", List.of("team-z")))
                .then().statusCode(201).extract().path("secret");
        assertProblem(given().header("Authorization", "Bearer " + foreign).contentType(ContentType.JSON).body(Map.of("volume", volume))
                .post(POLICIES + "/" + name + "/hooks/pre"), 404);
        String viewer = post("/api/v1/tokens", Map.of("name", unique("vw"), "role", "viewer")).then().statusCode(201).extract().path("secret");
        given().header("Authorization", "Bearer " + viewer).contentType(ContentType.JSON).body(Map.of("volume", volume))
                .post(POLICIES + "/" + name + "/hooks/pre").then().statusCode(403);
    }

    @Test
    void anUnchangedPolicyListIsAnswered304ForItsEntityTag() {
        post(POLICIES, snapshotPolicy(unique("tag"), "forbid")).then().statusCode(201);
        String etag = given().get(POLICIES).then().statusCode(200).extract().header("ETag");
        assertTrue(etag != null && etag.startsWith("\""), "ETag: " + etag);
        given().header("If-None-Match", etag).get(POLICIES).then().statusCode(304).header("ETag", etag);
        given().header("If-None-Match", "\"other\"").get(POLICIES).then().statusCode(200);
        String second = unique("tag");
        post(POLICIES, snapshotPolicy(second, "forbid")).then().statusCode(201);
        String changed = given().header("If-None-Match", etag).get(POLICIES).then().statusCode(200)
                .body("spec.name", org.hamcrest.Matchers.hasItem(second)).extract().header("ETag");
        assertTrue(!etag.equals(changed), etag + " after a new policy");
        post(POLICIES + "/" + second + "/suspend", Map.of()).then().statusCode(200);
        given().header("If-None-Match", changed).get(POLICIES).then().statusCode(200).body("find { it.spec.name == '" + second
                + "' }.status", equalTo("suspended"));
    }

    @Test
    void freezingAVolumeWithoutFileSystemMountsFreezesNothingAndThawSaysSo() {
        post("/api/v1/volumes/" + volume + "/freeze", Map.of("timeout_seconds", 5)).then().statusCode(200)
                .body("paths.size()", equalTo(0)).body("thaw_by", notNullValue());
        post("/api/v1/volumes/" + volume + "/thaw", Map.of()).then().statusCode(200).body("was_frozen", equalTo(false));
        assertProblem(post("/api/v1/volumes/" + volume + "/freeze", Map.of("timeout_seconds", 0)), 400);
    }
    @Test
    void aPolicyFileInYamlIsAcceptedAsIsAndItsErrorsAreProblems() {
        String name = unique("yaml");
        // The README's policy file format, sent as it was written (the dashboard's paste box does this).
        String yaml = """
                name: %s
                schedule: "0 3 * * *"
                kind: snapshot
                retention: {keep_last: 2}
                selector: {volumes: [%s]}
                """.formatted(name, volume);
        given().contentType("application/yaml").accept(ContentType.JSON).body(yamlBytes(yaml)).post(POLICIES).then().statusCode(201)
                .body("spec.name", equalTo(name)).body("spec.retention.keep_last", equalTo(2));
        String bad = assertProblem(given().contentType("application/yaml").accept(ContentType.JSON)
                .body(yamlBytes(yaml.replace(name, name + "x").replace("0 3 * * *", "0 25 * * *"))).post(POLICIES), 400);
        assertTrue(bad.contains("schedule"), bad);
        String unknown = assertProblem(given().contentType("application/yaml").accept(ContentType.JSON)
                .body(yamlBytes(yaml.replace(name, name + "y") + "colour: blue\n")).post(POLICIES), 400);
        assertTrue(unknown.contains("colour"), unknown);
        String broken = assertProblem(given().contentType("application/yaml").accept(ContentType.JSON)
                .body(yamlBytes("name: [unclosed")).post(POLICIES), 400);
        assertTrue(!broken.contains("com.fasterxml"), broken);
    }
    @Test
    void anEditReplacesTheSpecAndKeepsStatusAndHistory() {
        String name = unique("edit");
        post(POLICIES, snapshotPolicy(name, "forbid")).then().statusCode(201);
        given().post(POLICIES + "/" + name + "/suspend").then().statusCode(200);
        given().post(POLICIES + "/" + name + "/run-now").then().statusCode(202);
        String id = given().get(POLICIES + "/" + name).then().statusCode(200).extract().path("id");
        String yaml = """
                schedule: "30 4 * * *"
                kind: snapshot
                retention: {keep_last: 5}
                selector: {volumes: [%s]}
                """.formatted(volume);
        given().contentType("application/yaml").body(yamlBytes(yaml)).put(POLICIES + "/" + name).then().statusCode(200)
                .body("spec.schedule", equalTo("30 4 * * *")).body("spec.retention.keep_last", equalTo(5))
                .body("status", equalTo("suspended")).body("id", equalTo(id));
        assertEquals(1, given().get(POLICIES + "/" + name + "/history").then().statusCode(200).extract().jsonPath().getList("$").size());
        String bad = assertProblem(given().contentType("application/yaml").body(yamlBytes(yaml.replace("30 4", "30 99"))).put(POLICIES + "/" + name), 400);
        assertTrue(bad.contains("99") || bad.contains("hour"), bad);
        given().get(POLICIES + "/" + name).then().body("spec.schedule", equalTo("30 4 * * *"));
        String renamed = assertProblem(given().contentType(ContentType.JSON).body(snapshotPolicy(name + "x", "forbid")).put(POLICIES + "/" + name), 400);
        assertTrue(renamed.contains("rename"), renamed);
        assertProblem(given().contentType(ContentType.JSON).body(snapshotPolicy("nope", "forbid")).put(POLICIES + "/nope"), 404);
    }

    /** RestAssured encodes only known text types from a String; YAML goes as its UTF-8 bytes. */
    private static byte[] yamlBytes(String yaml) {
        return yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
