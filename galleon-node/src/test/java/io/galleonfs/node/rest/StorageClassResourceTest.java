package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.CLASSES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.deleteClass;
import static io.galleonfs.node.rest.Api.deleteVolume;
import static io.galleonfs.node.rest.Api.postVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.galleonfs.node.rest.Api.volumeCount;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(TempStorageResource.class)
class StorageClassResourceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The seed's "High-Performance SSD (JSON)" example, verbatim. */
    static String seedJson() throws IOException {
        return resource("/seed/ultra-fast-ssd.json");
    }

    /** The seed's "Encrypted Distributed Storage (YAML)" example converted to the equivalent JSON by hand. */
    static final String SEED_YAML_AS_JSON = """
            {
              "name": "secure-distributed",
              "provisioner": "galleonfs.io/distributed",
              "parameters": {
                "encryption": "true",
                "encryption_algorithm": "AES-256-GCM",
                "key_management": "external-kms",
                "replication": "5",
                "consistency_level": "strong"
              },
              "reclaim_policy": "Retain",
              "volume_binding_mode": "WaitForFirstConsumer",
              "allowed_topologies": ["zone-a", "zone-b", "zone-c"],
              "mount_options": ["noatime", "sync"]
            }
            """;

    private static String resource(String path) throws IOException {
        try (InputStream in = StorageClassResourceTest.class.getResourceAsStream(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Response postClass(String json) {
        return given().contentType(ContentType.JSON).accept(ContentType.JSON).body(json).post(CLASSES);
    }

    /** The seed's example with another name, so tests that need their own copy do not collide. */
    private static String seedJsonNamed(String name) throws IOException {
        ObjectNode node = (ObjectNode) JSON.readTree(seedJson());
        node.put("name", name);
        return JSON.writeValueAsString(node);
    }

    private static String simpleClass(String name) {
        return "{\"name\": \"" + name + "\", \"parameters\": {\"fs_type\": \"ext4\"}}";
    }

    @Test
    void listHasTheTwoBuiltIns() {
        Response r = given().accept(ContentType.JSON).get(CLASSES);
        r.then().statusCode(200).contentType(ContentType.JSON)
                .body("name", hasItems("fast-local-ssd", "encrypted-storage"))
                .body("find { it.name == 'fast-local-ssd' }.built_in", equalTo(true))
                .body("find { it.name == 'fast-local-ssd' }.provisioner", equalTo("galleonfs.io/local-ssd"))
                .body("find { it.name == 'fast-local-ssd' }.parameters.encryption", equalTo("false"))
                .body("find { it.name == 'fast-local-ssd' }.reclaim_policy", equalTo("Delete"))
                .body("find { it.name == 'encrypted-storage' }.built_in", equalTo(true))
                .body("find { it.name == 'encrypted-storage' }.parameters.encryption_algorithm", equalTo("AES-256-GCM"))
                .body("find { it.name == 'encrypted-storage' }.parameters.replication", equalTo("3"))
                .body("find { it.name == 'encrypted-storage' }.reclaim_policy", equalTo("Retain"))
                .body("find { it.name == 'encrypted-storage' }.volume_binding_mode", equalTo("WaitForFirstConsumer"));
    }

    @Test
    void getBuiltIn() {
        given().get(CLASSES + "/fast-local-ssd").then().statusCode(200)
                .body("name", equalTo("fast-local-ssd"))
                .body("built_in", equalTo(true))
                .body("parameters.disk_type", equalTo("ssd"));
    }

    @Test
    void seedJsonExampleIsAcceptedVerbatim() throws IOException {
        Response r = postClass(seedJson());
        r.then().statusCode(201)
                .header("Location", endsWith("/api/v1/storage-classes/ultra-fast-ssd"))
                .body("name", equalTo("ultra-fast-ssd"))
                .body("provisioner", equalTo("galleonfs.io/nvme-ssd"))
                .body("parameters.disk_type", equalTo("nvme"))
                .body("parameters.fs_type", equalTo("xfs"))
                .body("parameters.encryption", equalTo("false"))
                .body("parameters.raid_level", equalTo("1"))
                .body("reclaim_policy", equalTo("Delete"))
                .body("volume_binding_mode", equalTo("Immediate"))
                .body("allowed_topologies", contains("zone-a", "zone-b"))
                .body("mount_options", contains("noatime", "nodiratime", "nobarrier"))
                .body("built_in", equalTo(false));

        // what the node returns is the seed's document plus built_in
        ObjectNode expected = (ObjectNode) JSON.readTree(seedJson());
        expected.put("built_in", false);
        JsonNode got = JSON.readTree(given().get(CLASSES + "/ultra-fast-ssd").then().statusCode(200).extract().asString());
        assertEquals(expected, got);

        given().get(CLASSES).then().body("name", hasItems("ultra-fast-ssd"));
        assertProblem(postClass(seedJson()), 409);

        deleteClass("ultra-fast-ssd");
        assertProblem(given().get(CLASSES + "/ultra-fast-ssd"), 404);
        assertProblem(given().delete(CLASSES + "/ultra-fast-ssd"), 404);
    }

    @Test
    void seedYamlExampleAsJsonIsAccepted() throws IOException {
        // the hand conversion is checked against the seed's YAML itself
        JsonNode fromYaml = new YAMLMapper().readTree(resource("/seed/secure-distributed.yaml"));
        assertEquals(fromYaml, JSON.readTree(SEED_YAML_AS_JSON));

        postClass(SEED_YAML_AS_JSON).then().statusCode(201)
                .body("name", equalTo("secure-distributed"))
                .body("provisioner", equalTo("galleonfs.io/distributed"))
                .body("parameters.key_management", equalTo("external-kms"))
                .body("parameters.replication", equalTo("5"))
                .body("parameters.consistency_level", equalTo("strong"))
                .body("reclaim_policy", equalTo("Retain"))
                .body("volume_binding_mode", equalTo("WaitForFirstConsumer"))
                .body("allowed_topologies", contains("zone-a", "zone-b", "zone-c"))
                .body("mount_options", contains("noatime", "sync"))
                .body("built_in", equalTo(false));
        given().get(CLASSES + "/secure-distributed").then().statusCode(200).body("parameters.encryption", equalTo("true"));

        // its zones do not include this node's zone ("default"): a volume cannot be placed
        int before = volumeCount();
        String detail = assertProblem(postVolume(Map.of("name", unique("zoned"), "storage_class", "secure-distributed")), 422);
        assertTrue(detail.contains("zone"), detail);
        assertEquals(before, volumeCount());

        deleteClass("secure-distributed");
    }

    @Test
    void minimalClassGetsDefaults() {
        String name = unique("minimal");
        postClass("{\"name\": \"" + name + "\"}").then().statusCode(201)
                .body("provisioner", equalTo("galleonfs.io/local"))
                .body("reclaim_policy", equalTo("Delete"))
                .body("volume_binding_mode", equalTo("Immediate"))
                .body("built_in", equalTo(false));
        deleteClass(name);
    }

    @Test
    void builtInSentByTheClientIsIgnored() {
        String name = unique("sneaky");
        postClass("{\"name\": \"" + name + "\", \"built_in\": true}").then().statusCode(201).body("built_in", equalTo(false));
        deleteClass(name);
    }

    @Test
    void volumeUsesTheClassesReplicationAndEncryption() {
        String cls = unique("rep2");
        postClass("{\"name\": \"" + cls + "\", \"parameters\": {\"replication\": \"2\", \"encryption\": \"true\"}}")
                .then().statusCode(201);
        String vol = unique("rep2vol");
        postVolume(Map.of("name", vol, "storage_class", cls)).then().statusCode(201)
                .body("replica_count", equalTo(2))
                .body("encrypted", equalTo(true))
                .body("state", equalTo("degraded"));
        deleteVolume(vol);
        deleteClass(cls);
    }

    @Test
    void classInUseCannotBeDeleted() {
        String cls = unique("inuse");
        postClass(simpleClass(cls)).then().statusCode(201);
        String vol = unique("user");
        createVolume(Map.of("name", vol, "storage_class", cls));

        String detail = assertProblem(given().delete(CLASSES + "/" + cls), 409);
        assertTrue(detail.contains(vol), detail);
        given().get(CLASSES + "/" + cls).then().statusCode(200);

        deleteVolume(vol);
        deleteClass(cls);
    }

    @Test
    void builtInCannotBeDeleted() {
        for (String builtIn : List.of("fast-local-ssd", "encrypted-storage")) {
            String detail = assertProblem(given().delete(CLASSES + "/" + builtIn), 409);
            assertTrue(detail.contains("built in"), detail);
            given().get(CLASSES + "/" + builtIn).then().statusCode(200).body("built_in", equalTo(true));
        }
    }

    @Test
    void duplicateOfABuiltInIsAConflict() {
        assertProblem(postClass(simpleClass("fast-local-ssd")), 409);
        given().get(CLASSES + "/fast-local-ssd").then().body("built_in", equalTo(true));
    }

    @Test
    void unknownClassIsNotFound() {
        String detail = assertProblem(given().get(CLASSES + "/" + unique("nope")), 404);
        assertTrue(detail.contains("not found"), detail);
    }

    @Test
    void invalidClassesAreRejected() throws IOException {
        String[] bodies = {
            "{\"name\": \"Bad_Name\"}",
            "{\"name\": \"\"}",
            "{}",
            "{\"name\": \"" + "a".repeat(64) + "\"}",
            "{\"name\": \"123e4567-e89b-12d3-a456-426614174000\"}",
            "{\"name\": \"x-enc\", \"parameters\": {\"encryption\": \"yes\"}}",
            "{\"name\": \"x-alg\", \"parameters\": {\"encryption_algorithm\": \"ROT13\"}}",
            "{\"name\": \"x-fs\", \"parameters\": {\"fs_type\": \"fat32\"}}",
            "{\"name\": \"x-kms\", \"parameters\": {\"key_management\": \"vault\"}}",
            "{\"name\": \"x-rep0\", \"parameters\": {\"replication\": \"0\"}}",
            "{\"name\": \"x-rep17\", \"parameters\": {\"replication\": \"17\"}}",
            "{\"name\": \"x-repn\", \"parameters\": {\"replication\": \"three\"}}",
            "{\"name\": \"x-null\", \"parameters\": {\"disk_type\": null}}",
            "{\"name\": \"x-reclaim\", \"reclaim_policy\": \"Recycle\"}",
            "{\"name\": \"x-binding\", \"volume_binding_mode\": \"Later\"}",
            "{\"name\": \"x-topo\", \"allowed_topologies\": [\"\"]}",
            "{\"name\": \"x-topo-null\", \"allowed_topologies\": [null]}",
            "{\"name\": \"x-params\", \"parameters\": \"fast\"}",
            "{\"name\": \"x-unknown\", \"provisoner\": \"typo\"}",
            "[" + seedJsonNamed("x-array") + "]",
            "{\"name\": \"x-broken\",",
            "",
        };
        for (String body : bodies) {
            int classes = given().get(CLASSES).then().extract().jsonPath().getList("$").size();
            String detail = assertProblem(postClass(body), 400);
            assertTrue(!detail.contains("Exception"), () -> body + " -> " + detail);
            assertEquals(classes, given().get(CLASSES).then().extract().jsonPath().getList("$").size(), body);
        }
    }

    @Test
    void mountOptionsWithNullAreRejected() {
        assertProblem(postClass("{\"name\": \"" + unique("nullopt") + "\", \"mount_options\": [null]}"), 400);
    }

    @Test
    void storageClassErrorsNameTheField() {
        assertTrue(assertProblem(postClass("{\"name\": \"x-unknown\", \"provisoner\": \"typo\"}"), 400).contains("provisoner"));
        assertTrue(assertProblem(postClass("{\"name\": \"x-reclaim\", \"reclaim_policy\": \"Recycle\"}"), 400)
                .contains("reclaim_policy"));
        assertTrue(assertProblem(postClass("{\"name\": \"Bad_Name\"}"), 400).contains("Bad_Name"));
    }

    @Test
    void classNamesAreCaseSensitive() {
        // Upper case can never name a class: refused as an invalid name before any lookup.
        assertProblem(given().get(CLASSES + "/FAST-LOCAL-SSD"), 400);
        given().get(CLASSES + "/fast-local-ssd").then().statusCode(200).body("name", containsString("fast"));
    }
}
