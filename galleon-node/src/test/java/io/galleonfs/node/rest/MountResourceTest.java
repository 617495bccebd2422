package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.createVolume;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real FUSE mounts served by the node under test, checked with the shell tools people use (echo, cat, dd, cp) and
 * with Java file I/O. Skipped only where the host has no /dev/fuse.
 */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class MountResourceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "galleon.mount_point")
    String mountPoint;

    private Path scratch;
    private final List<String> volumes = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse on this host: FUSE mount tests skipped");
        scratch = Files.createTempDirectory("galleon-mount-test-");
    }

    /** Unmounts everything this test mounted (even after a failure), deletes its volumes and scratch files. */
    @AfterEach
    void tearDown() throws IOException {
        for (String v : volumes) {
            given().queryParam("force", true).delete(VOLUMES + "/" + v + "/mounts");
            given().queryParam("force", true).delete(VOLUMES + "/" + v);
        }
        if (scratch != null) {
            try (Stream<Path> files = Files.walk(scratch)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private String volume(String prefix, String size, String storageClass, String accessMode) {
        String name = unique(prefix);
        createVolume(Map.of("name", name, "size", size, "storage_class", storageClass, "access_mode", accessMode));
        volumes.add(name);
        return name;
    }

    private static Response mount(String volume, String path, String... options) {
        Map<String, Object> body = new java.util.HashMap<>();
        if (path != null) {
            body.put("path", path);
        }
        body.put("options", List.of(options));
        return given().contentType(ContentType.JSON).accept(ContentType.JSON).body(body).post(VOLUMES + "/" + volume + "/mounts");
    }

    private static String mounted(String volume, String path, String... options) {
        return mount(volume, path, options).then().statusCode(201).body("state", equalTo("mounted")).extract().path("path");
    }

    record Shell(int exit, String out) {
    }

    static Shell sh(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        // The FUSE mount is served by this JVM: read the output concurrently so the shell never blocks on a full pipe.
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + script);
        return new Shell(p.exitValue(), out.join());
    }

    static String ok(String script) throws IOException, InterruptedException {
        Shell s = sh(script);
        assertEquals(0, s.exit(), () -> script + " failed: " + s.out());
        return s.out();
    }

    private static byte[] restRead(String volume, long offset, long length) {
        return given().queryParam("offset", offset).queryParam("length", length).get(VOLUMES + "/" + volume + "/data")
                .then().statusCode(200).extract().asByteArray();
    }

    private static boolean inMountTable(String path) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().anyMatch(l -> l.split(" ")[1].equals(path));
    }

    @Test
    void rawLayoutWorksWithEchoCatDdAndCp() throws Exception {
        String v = volume("raw", "16M", "fast-local-ssd", "ReadWriteOnce");
        // fast-local-ssd names ext4: fs=none asks for the seed's raw layout
        String path = mounted(v, null, "rw", "fs=none");
        assertEquals(Path.of(mountPoint, v).toString(), path);
        assertTrue(inMountTable(path));
        assertEquals(List.of(".galleonfs_metadata", "README.txt", "data"), List.of(ok("ls -A " + path).strip().split("\n")).stream().sorted().toList());
        assertEquals(String.valueOf(16 << 20), ok("stat -c %s " + path + "/data").strip());
        assertEquals("600 " + ok("id -u").strip(), ok("stat -c '%a %u' " + path + "/data").strip(), "data is the owner's only by default");

        ok("echo 'Hello GalleonFS!' > " + path + "/data");
        assertEquals("Hello GalleonFS!\n", ok("head -c 17 " + path + "/data"));
        assertArrayEquals("Hello GalleonFS!\n".getBytes(StandardCharsets.UTF_8), restRead(v, 0, 17), "FUSE writes reach the volume");

        byte[] random = new byte[3 << 20];
        new Random(42).nextBytes(random);
        Path src = scratch.resolve("random.bin");
        Files.write(src, random);
        ok("dd if=" + src + " of=" + path + "/data bs=1M seek=2 conv=notrunc,fsync status=none");
        assertArrayEquals(random, restRead(v, 2 << 20, random.length));
        Path back = scratch.resolve("back.bin");
        ok("dd if=" + path + "/data of=" + back + " bs=1M skip=2 count=3 status=none");
        assertArrayEquals(random, Files.readAllBytes(back));

        Path conf = scratch.resolve("myapp.conf");
        Files.writeString(conf, "listen = 8080\n");
        ok("cp " + conf + " " + path + "/data");
        assertEquals("listen = 8080\n", ok("head -c 14 " + path + "/data"));
        assertEquals(String.valueOf(16 << 20), ok("stat -c %s " + path + "/data").strip(), "cp never truncates the volume");

        JsonNode meta = JSON.readTree(ok("cat " + path + "/.galleonfs_metadata"));
        assertEquals(v, meta.get("name").asText());
        assertEquals(16 << 20, meta.get("size_bytes").asLong());
        assertEquals("fast-local-ssd", meta.get("storage_class").asText());
        assertEquals(4096, meta.get("block_size").asInt());
        assertEquals(1, meta.get("replicas").asInt());
        assertEquals("rw", meta.get("mount_options").get(0).asText());
        assertTrue(ok("cat " + path + "/README.txt").contains("GalleonFS volume " + v));
        Shell create = sh("touch " + path + "/newfile");
        assertNotEquals(0, create.exit(), "the layout is fixed");

        given().delete(VOLUMES + "/" + v + "/mounts").then().statusCode(200).body("$", hasSize(1));
        assertFalse(inMountTable(path));
        assertFalse(Files.exists(Path.of(path)), "the directory made under the mount point is removed");
        given().get(VOLUMES + "/" + v).then().statusCode(200).body("mounts", hasSize(0));
    }

    @Test
    void oneVolumeMountedReadWriteAndReadOnlyWithEroFs() throws Exception {
        String v = volume("rwro", "8M", "fast-local-ssd", "ReadWriteOnce");
        String rw = mounted(v, scratch.resolve("rw").toString(), "rw,sync,fs=none");
        Files.createDirectories(scratch.resolve("ro")); // the user's own directory: a mount uses it and leaves it
        String ro = mounted(v, scratch.resolve("ro").toString(), "ro", "fs=none");
        String ro2 = mounted(v, scratch.resolve("ro2").toString(), "ro", "fs=none");

        ok("printf 'shared bytes' > " + rw + "/data");
        assertEquals("shared bytes", ok("head -c 12 " + ro + "/data"), "a read-only mount sees the writer's data at once");
        Shell denied = sh("echo nope > " + ro + "/data");
        assertNotEquals(0, denied.exit());
        assertTrue(denied.out().contains("Read-only file system"), denied.out());
        Shell dd = sh("dd if=/dev/zero of=" + ro2 + "/data bs=4k count=1 conv=notrunc");
        assertTrue(dd.out().contains("Read-only file system"), dd.out());
        assertEquals("shared bytes", ok("head -c 12 " + rw + "/data"));

        String why = assertProblem(mount(v, scratch.resolve("rw2").toString(), "rw", "fs=none"), 409);
        assertTrue(why.contains("ReadWriteOnce"), why);
        given().get(VOLUMES + "/" + v).then().statusCode(200).body("mounts", hasSize(3))
                .body("mounts.state", org.hamcrest.Matchers.everyItem(equalTo("mounted")));
        given().get("/api/v1/mounts").then().statusCode(200).body("findAll { it.volume_name == '" + v + "' }", hasSize(3));
        String refusal = assertProblem(given().delete(VOLUMES + "/" + v), 409);
        assertTrue(refusal.contains("mounted at"), refusal);

        // unmount by path, then by volume with --path, then the rest by volume
        given().queryParam("path", ro).delete("/api/v1/mounts").then().statusCode(200).body("path", equalTo(ro));
        assertFalse(inMountTable(ro));
        assertTrue(Files.isDirectory(Path.of(ro)), "a user's directory is left in place");
        given().queryParam("path", ro2).delete(VOLUMES + "/" + v + "/mounts").then().statusCode(200).body("$", hasSize(1));
        assertFalse(inMountTable(ro2));
        assertFalse(Files.exists(Path.of(ro2)), "a directory the mount created goes with it");
        assertTrue(inMountTable(rw));
        given().delete(VOLUMES + "/" + v + "/mounts").then().statusCode(200).body("$", hasSize(1));
        assertFalse(inMountTable(rw));
        assertProblem(given().queryParam("path", rw).delete("/api/v1/mounts"), 404);
        Api.deleteVolume(v);
        volumes.remove(v);
    }

    @Test
    void busyMountsAreNotUnmountedWithoutForce() throws Exception {
        String v = volume("busy", "4M", "fast-local-ssd", "ReadWriteOnce");
        String path = mounted(v, null, "fs=none");
        try (FileChannel open = FileChannel.open(Path.of(path, "data"), StandardOpenOption.READ)) {
            String why = assertProblem(given().delete(VOLUMES + "/" + v + "/mounts"), 409);
            assertTrue(why.contains("busy") && why.contains("--force"), why);
            assertTrue(inMountTable(path));
            assertEquals(4 << 20, open.size());
        }
        given().delete(VOLUMES + "/" + v + "/mounts").then().statusCode(200);
        assertFalse(inMountTable(path));
    }

    @Test
    void forceDeletingAMountedVolumeUnmountsIt() throws Exception {
        String v = volume("gone", "4M", "fast-local-ssd", "ReadWriteOnce");
        String path = mounted(v, null, "fs=none");
        given().queryParam("force", true).delete(VOLUMES + "/" + v).then().statusCode(204);
        volumes.remove(v);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> !inMountTable(path));
        assertFalse(Files.exists(Path.of(path)));
    }

    @Test
    void aMountedVolumeIsNotRolledBackUnderItsMount() throws Exception {
        String v = volume("rollback", "4M", "fast-local-ssd", "ReadWriteOnce");
        given().contentType(ContentType.JSON).body(Map.of("name", "s1")).post(VOLUMES + "/" + v + "/snapshots")
                .then().statusCode(201);
        String path = mounted(v, null, "fs=none");
        String problem = assertProblem(given().contentType(ContentType.JSON).body(Map.of("snapshot", "s1"))
                .post(VOLUMES + "/" + v + "/restore"), 409);
        assertTrue(problem.contains("mounted at " + path) && problem.contains("unmount"), problem);
        given().delete(VOLUMES + "/" + v + "/mounts").then().statusCode(200);
        given().contentType(ContentType.JSON).body(Map.of("snapshot", "s1")).post(VOLUMES + "/" + v + "/restore")
                .then().statusCode(200);
    }

    @Test
    void concurrentWritersThroughTheDataFile() throws Exception {
        String v = volume("conc", "32M", "fast-local-ssd", "ReadWriteOnce");
        Path data = Path.of(mounted(v, null, "fs=none"), "data");
        int threads = 8;
        int chunk = 1 << 20;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    byte[] b = new byte[chunk];
                    new Random(id).nextBytes(b);
                    ch.write(ByteBuffer.wrap(b), (long) id * chunk * 2);
                    ByteBuffer back = ByteBuffer.allocate(chunk);
                    while (back.hasRemaining()) {
                        ch.read(back, (long) id * chunk * 2 + back.position());
                    }
                    assertArrayEquals(b, back.array());
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            ch.force(false);
        } finally {
            pool.shutdownNow();
        }
        byte[] expected = new byte[chunk];
        new Random(5).nextBytes(expected);
        assertArrayEquals(expected, restRead(v, 5L * chunk * 2, chunk));
    }

    @Test
    void ownerGroupAndModeAreTheCallersChoice() throws Exception {
        String v = volume("own", "4M", "fast-local-ssd", "ReadWriteOnce");
        String path = mounted(v, null, "rw", "fs=none", "uid=4242,gid=4343,mode=0640");
        assertEquals("640 4242 4343", ok("stat -c '%a %u %g' " + path + "/data").strip());
        assertEquals("750", ok("stat -c '%a' " + path).strip());
        given().delete(VOLUMES + "/" + v + "/mounts").then().statusCode(200);
        assertTrue(assertProblem(mount(v, null, "fs=none", "mode=0755"), 400).contains("mode"));
    }

    @Test
    void badRequestsAreProblems() throws Exception {
        String v = volume("bad", "4M", "fast-local-ssd", "ReadWriteOnce");
        assertTrue(assertProblem(mount(v, null, "rw,bogus"), 400).contains("bogus"));
        assertTrue(assertProblem(mount(v, "relative/dir", "fs=none"), 400).contains("absolute"));
        Path full = Files.createDirectories(scratch.resolve("full"));
        Files.writeString(full.resolve("x"), "x");
        assertTrue(assertProblem(mount(v, full.toString(), "fs=none"), 409).contains("not an empty directory"));
        assertProblem(mount("t-no-such-volume", null), 404);
        assertTrue(assertProblem(mount(v, null, "fs=none", "encrypted"), 400).contains("not encrypted"));
        String rox = volume("rox", "4M", "fast-local-ssd", "ReadOnlyMany");
        assertTrue(assertProblem(mount(rox, null, "rw", "fs=none"), 400).contains("ReadOnlyMany"));
        String roPath = mounted(rox, null, "fs=none");
        assertTrue(given().get(VOLUMES + "/" + rox + "/mounts").then().statusCode(200).extract().jsonPath()
                .getList("options", List.class).getFirst().contains("ro"), "ReadOnlyMany mounts default to ro");
        assertTrue(inMountTable(roPath));
        assertProblem(given().delete(VOLUMES + "/" + v + "/mounts"), 404);
        assertProblem(given().delete("/api/v1/mounts"), 400);
        assertTrue(assertProblem(given().delete(VOLUMES + "/" + v + "/mounts/not-a-mount"), 400).contains("not a UUID"));
        assertProblem(given().delete(VOLUMES + "/" + v + "/mounts/" + java.util.UUID.randomUUID()), 404);
        Path deep = scratch.resolve("no-such-parent").resolve("deeper").resolve("mnt");
        assertEquals(deep.toString(), mounted(v, deep.toString(), "fs=none"));
        given().delete(VOLUMES + "/" + v + "/mounts").then().statusCode(200);
        assertFalse(Files.exists(scratch.resolve("no-such-parent")), "the directories a mount created go with it");
        given().get(VOLUMES + "/" + v).then().statusCode(200).body("mounts", hasSize(0));
    }

    @Test
    void fileSystemModeFormatsAnEmptyVolumeAndKeepsFilesAcrossMounts() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/loop-control")) && Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4"))
                && "0".equals(ok("id -u").strip()), "file-system mode needs root, loop devices and mkfs.ext4");
        // fast-local-ssd's fs_type is ext4: mounting it gives a real file system
        String v = volume("fs", "64M", "fast-local-ssd", "ReadWriteOnce");
        String path = scratch.resolve("fsmnt").toString();
        mounted(v, path, "rw");
        String line = Files.readAllLines(Path.of("/proc/self/mounts")).stream().filter(l -> l.split(" ")[1].equals(path))
                .findFirst().orElseThrow();
        assertEquals("ext4", line.split(" ")[2], line);
        ok("echo hello > " + path + "/greeting.txt && mkdir " + path + "/dir && dd if=/dev/urandom of=" + path
                + "/dir/blob bs=64k count=16 status=none && sync");
        String sum = ok("md5sum < " + path + "/dir/blob");
        given().delete(VOLUMES + "/" + v + "/mounts").then().statusCode(200);
        assertFalse(inMountTable(path));
        assertTrue(ok("losetup -a").lines().noneMatch(l -> l.contains(mountPoint)), "no loop device left attached");
        assertFalse(Files.readAllLines(Path.of("/proc/self/mounts")).stream().anyMatch(l -> l.contains(mountPoint + "/.galleonfs")));

        mounted(v, path, "rw");
        assertEquals("hello\n", ok("cat " + path + "/greeting.txt"));
        assertEquals(sum, ok("md5sum < " + path + "/dir/blob"));
        given().delete(VOLUMES + "/" + v + "/mounts").then().statusCode(200);

        // a volume with raw data but no file system is never formatted
        String raw = volume("fsraw", "16M", "fast-local-ssd", "ReadWriteOnce");
        given().contentType(ContentType.BINARY).body("not a file system".getBytes(StandardCharsets.UTF_8))
                .queryParam("offset", 0).put(VOLUMES + "/" + raw + "/data").then().statusCode(200);
        String why = assertProblem(mount(raw, scratch.resolve("rawfs").toString(), "rw"), 409);
        assertTrue(why.contains("not formatted") && why.contains("fs=none"), why);
        given().get(VOLUMES + "/" + raw).then().body("mounts", hasSize(0));
        assertTrue(ok("losetup -a").lines().noneMatch(l -> l.contains(mountPoint)));
    }
}
