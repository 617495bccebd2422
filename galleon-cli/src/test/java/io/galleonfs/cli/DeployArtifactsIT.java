package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The deployment artifacts under deploy/ (issue 20): the systemd units (node and scheduler) are verified and their
 * installed launchers run (deploy/test-systemd), the Kubernetes manifests are checked for wiring (labels and selectors, ports against the
 * daemon's port rules, the TOML in the ConfigMap), and the compose cluster with its scheduler and Prometheus is run for
 * real (deploy/test-compose: a snapshot policy runs, the scheduler is killed and restarted, no firing runs twice) only
 * where podman and podman-compose are installed.
 */
class DeployArtifactsIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path K8S = ROOT.resolve("deploy/k8s");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** FD_SOCK2 listens on the bind port + 100 (ClusterNode), the replication data plane on + 200 (ReplicationService). */
    private static final int FD_SOCK_OFFSET = 100;
    private static final int DATA_PORT_OFFSET = 200;

    @Test
    void systemdUnitVerifiesAndTheInstalledLauncherRunsADaemon() throws Exception {
        assumeTrue(Files.isRegularFile(ROOT.resolve("galleon-node/target/quarkus-app/quarkus-run.jar"))
                && Files.isRegularFile(ROOT.resolve("galleon-cli/target/cli-app/galleonfs-cli.jar"))
                && Files.isRegularFile(ROOT.resolve("galleon-scheduler/target/quarkus-app/quarkus-run.jar")), "jars not built in " + ROOT);
        Result r = run(180, ROOT.resolve("deploy/test-systemd").toString());
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("PASSED"), r.output);
    }

    @Test
    void composeClusterRunsWhenPodmanIsInstalled() throws Exception {
        JsonNode compose = YAML.readTree(ROOT.resolve("deploy/compose.yaml").toFile());
        for (String n : List.of("node1", "node2", "node3")) {
            JsonNode svc = compose.path("services").path(n);
            assertTrue(svc.isObject(), "service " + n);
            for (JsonNode port : svc.path("ports")) {
                assertTrue(port.asText().startsWith("127.0.0.1:"), n + " publishes " + port.asText() + " beyond 127.0.0.1");
            }
            List<String> cmd = texts(svc.path("command"));
            assertEquals(n + ":8080", cmd.get(cmd.indexOf("--bind-address") + 1), n + " cluster address");
            assertEquals(!n.equals("node1"), cmd.contains("--peer-addresses"), n + ": only node1 founds");
        }
        // the scheduler knows every node's API and reads node1's admin token from node1's volume, mounted read-only
        JsonNode scheduler = compose.path("services").path("scheduler");
        List<String> sched = texts(scheduler.path("command"));
        assertEquals("node1:8090,node2:8090,node3:8090", sched.get(sched.indexOf("--cluster") + 1));
        String tokenFile = sched.get(sched.indexOf("--token-file") + 1);
        List<String> schedVolumes = texts(scheduler.path("volumes"));
        assertEquals(1, schedVolumes.size(), "scheduler volumes " + schedVolumes);
        String[] mount = schedVolumes.get(0).split(":");
        assertEquals("node1-data", mount[0]);
        assertEquals("ro", mount[2], "node1's storage is mounted read-only");
        assertEquals(mount[1] + "/auth/admin.token", tokenFile);
        for (String svc : List.of("scheduler", "prometheus")) {
            JsonNode ports = compose.path("services").path(svc).path("ports");
            assertTrue(ports.size() > 0, svc + " publishes a port");
            for (JsonNode port : ports) {
                assertTrue(port.asText().startsWith("127.0.0.1:"), svc + " publishes " + port.asText() + " beyond 127.0.0.1");
            }
        }
        assumeTrue(onPath("podman") && onPath("podman-compose"), "podman or podman-compose not installed");
        long start = System.nanoTime();
        Result r = run(900, ROOT.resolve("deploy/test-compose").toString());
        System.out.printf("deploy/test-compose took %d s%n", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("PASSED"), r.output);
    }

    @Test
    void kubernetesPodTemplateFormsAClusterUnderPodman() throws Exception {
        assumeTrue(onPath("podman") && onPath("python3"), "podman or python3 not installed");
        assumeTrue(run(30, "python3", "-c", "import yaml").exit == 0, "python3 has no PyYAML");
        Result r = run(600, ROOT.resolve("deploy/test-k8s-pods").toString());
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("PASSED"), r.output);
    }

    @Test
    void kubernetesManifestsAreWired() throws Exception {
        JsonNode kustomization = YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
        String namespace = kustomization.path("namespace").asText();
        assertTrue(!namespace.isEmpty(), "kustomization sets a namespace");
        Map<String, JsonNode> byKind = new HashMap<>();
        for (JsonNode res : kustomization.path("resources")) {
            Path file = K8S.resolve(res.asText());
            assertTrue(Files.isRegularFile(file), "resource " + file);
            JsonNode doc = YAML.readTree(file.toFile());
            String key = doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText();
            byKind.put(key, doc);
        }
        JsonNode sts = byKind.get("StatefulSet/galleonfs");
        JsonNode headless = byKind.get("Service/galleonfs-headless");
        JsonNode api = byKind.get("Service/galleonfs-api");
        JsonNode pdb = byKind.get("PodDisruptionBudget/galleonfs");
        JsonNode config = byKind.get("ConfigMap/galleonfs-config");
        assertTrue(sts != null && headless != null && api != null && pdb != null && config != null, "resources: " + byKind.keySet());

        // StatefulSet, selectors and labels
        JsonNode spec = sts.path("spec");
        assertEquals(3, spec.path("replicas").asInt());
        assertEquals("galleonfs-headless", spec.path("serviceName").asText());
        assertEquals("OrderedReady", spec.path("podManagementPolicy").asText(), "joiners must find pod 0's leader");
        JsonNode podLabels = spec.path("template").path("metadata").path("labels");
        assertSubset(spec.path("selector").path("matchLabels"), podLabels, "StatefulSet selector");
        assertSubset(headless.path("spec").path("selector"), podLabels, "headless Service selector");
        assertSubset(api.path("spec").path("selector"), podLabels, "API Service selector");
        assertSubset(pdb.path("spec").path("selector").path("matchLabels"), podLabels, "PodDisruptionBudget selector");
        assertEquals(1, pdb.path("spec").path("maxUnavailable").asInt());
        assertEquals("None", headless.path("spec").path("clusterIP").asText());
        assertTrue(headless.path("spec").path("publishNotReadyAddresses").asBoolean(), "DNS_PING must find starting pods");

        // the daemon's configuration in the ConfigMap
        String toml = config.path("data").path("daemon.conf").asText();
        assertEquals("dns", tomlValue(toml, "discovery"));
        assertEquals("galleonfs-headless." + namespace + ".svc.cluster.local", tomlValue(toml, "dns_query"));
        assertEquals("/var/lib/galleonfs", tomlValue(toml, "storage_path"));
        int ipcPort = port(tomlValue(toml, "ipc_address"));

        // the container: flags, ports, probes, volumes
        JsonNode pod = spec.path("template").path("spec");
        JsonNode c = pod.path("containers").get(0);
        Map<String, String> env = new HashMap<>();
        for (JsonNode e : c.path("env")) {
            env.put(e.path("name").asText(), e.path("value").asText());
        }
        assertEquals(namespace + ".svc.cluster.local", env.get("GALLEON_NAMESPACE_DOMAIN"));
        assertTrue(env.containsKey("POD_NAME"), "POD_NAME from the downward API");
        String bind = flag(c.path("args"), "--bind-address");
        String peers = flag(c.path("args"), "--peer-addresses");
        assertEquals("$(POD_NAME).galleonfs-headless.$(GALLEON_NAMESPACE_DOMAIN)", bind.substring(0, bind.lastIndexOf(':')));
        int bindPort = port(bind);
        assertEquals("galleonfs-0.galleonfs-headless.$(GALLEON_NAMESPACE_DOMAIN):" + bindPort, peers,
                "every pod names pod 0, which ignores itself and founds the cluster");
        Map<String, Integer> ports = new HashMap<>();
        for (JsonNode p : c.path("ports")) {
            ports.put(p.path("name").asText(), p.path("containerPort").asInt());
        }
        assertEquals(Map.of("api", ipcPort, "cluster", bindPort, "fd-sock", bindPort + FD_SOCK_OFFSET, "data", bindPort + DATA_PORT_OFFSET), ports);
        for (JsonNode p : headless.path("spec").path("ports")) {
            assertEquals(ports.get(p.path("targetPort").asText()), p.path("port").asInt(), "headless port " + p);
        }
        for (JsonNode p : api.path("spec").path("ports")) {
            assertEquals(ipcPort, p.path("port").asInt());
            assertTrue(ports.containsKey(p.path("targetPort").asText()));
        }
        assertEquals("/q/health/ready", c.path("readinessProbe").path("httpGet").path("path").asText());
        assertEquals("/q/health/live", c.path("livenessProbe").path("httpGet").path("path").asText());
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            assertTrue(ports.containsKey(c.path(probe).path("httpGet").path("port").asText()), probe + " port");
        }
        assertTrue(c.path("resources").path("requests").has("cpu") && c.path("resources").path("requests").has("memory"), "requests");
        Map<String, String> mounts = new HashMap<>();
        for (JsonNode m : c.path("volumeMounts")) {
            mounts.put(m.path("mountPath").asText(), m.path("name").asText());
        }
        assertEquals(spec.path("volumeClaimTemplates").get(0).path("metadata").path("name").asText(), mounts.get("/var/lib/galleonfs"));
        String configVolume = mounts.get("/etc/galleonfs");
        boolean found = false;
        for (JsonNode v : pod.path("volumes")) {
            if (v.path("name").asText().equals(configVolume)) {
                assertEquals("galleonfs-config", v.path("configMap").path("name").asText());
                found = true;
            }
        }
        assertTrue(found, "config volume");

        if (onPath("kubectl")) {
            Result r = run(120, "kubectl", "kustomize", K8S.toString());
            assertEquals(0, r.exit, r.output);
            assertTrue(r.output.contains("kind: StatefulSet") && r.output.contains("namespace: " + namespace), r.output);
        }
    }

    private static void assertSubset(JsonNode selector, JsonNode labels, String what) {
        assertTrue(selector.isObject() && selector.size() > 0, what + " is empty");
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            assertEquals(e.getValue().asText(), labels.path(e.getKey()).asText(), what + " " + e.getKey());
        }
    }

    private static String tomlValue(String toml, String key) {
        Matcher m = Pattern.compile("(?m)^\\s*" + key + "\\s*=\\s*\"([^\"]*)\"").matcher(toml);
        assertTrue(m.find(), key + " in the ConfigMap's daemon.conf");
        return m.group(1);
    }

    private static String flag(JsonNode args, String name) {
        for (JsonNode a : args) {
            if (a.asText().startsWith(name + "=")) {
                return a.asText().substring(name.length() + 1);
            }
        }
        throw new AssertionError("no " + name + " in " + args);
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private record Result(int exit, String output) {
    }

    private static Result run(int timeoutSeconds, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("galleon-deploy", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            // Maven may run this test while holding the build lock: the scripts must not wait for it again.
            pb.environment().remove("GALLEON_BUILD_LOCK");
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                return new Result(-1, "timed out after " + timeoutSeconds + " s\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
