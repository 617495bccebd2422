package io.galleonfs.node.nbd;

import static io.galleonfs.node.nbd.NbdWire.*;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.rest.TempStorageResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The NBD server of the shared test node, spoken to by a raw-socket client and, when installed, by libnbd's tools. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class NbdServerTest {
    private static final HostPort NBD = HostPort.parse("nbd", TempStorageResource.NBD_ADDRESS);
    private static final String URI = "nbd://" + TempStorageResource.NBD_ADDRESS + "/";

    private static String newVolume(String size) {
        String name = "t-nbd-" + UUID.randomUUID().toString().substring(0, 8);
        given().contentType(ContentType.JSON).body(Map.of("name", name, "size", size, "storage_class", "fast-local-ssd", "replicas", 1))
                .post("/api/v1/volumes").then().statusCode(201);
        return name;
    }

    private static byte[] restRead(String vol, long offset, long length) {
        return given().queryParam("offset", offset).queryParam("length", length).get("/api/v1/volumes/" + vol + "/data")
                .then().statusCode(200).extract().asByteArray();
    }

    private static void restWrite(String vol, long offset, byte[] data) {
        given().contentType(ContentType.BINARY).body(data).queryParam("offset", offset).queryParam("write_concern", "durable")
                .put("/api/v1/volumes/" + vol + "/data").then().statusCode(200);
    }

    private static void snapshot(String vol, String name) {
        given().contentType(ContentType.JSON).body(Map.of("name", name)).post("/api/v1/volumes/" + vol + "/snapshots")
                .then().statusCode(201);
    }

    /** A volume holding {@code before} in snapshot s1 and {@code after} live, both from offset 0. */
    private static String volumeWithSnapshot(String size, byte[] before, byte[] after) {
        String vol = newVolume(size);
        restWrite(vol, 0, before);
        snapshot(vol, "s1");
        restWrite(vol, 0, after);
        return vol;
    }

    /** A minimal NBD client: fixed newstyle, NBD_OPT_GO, simple replies. */
    static final class Client implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;
        long size;
        int flags;

        Client(String export) throws IOException {
            socket = new Socket(NBD.host(), NBD.port());
            socket.setSoTimeout(30_000);
            in = new DataInputStream(socket.getInputStream());
            out = new DataOutputStream(socket.getOutputStream());
            assertEquals(NBDMAGIC, in.readLong());
            assertEquals(IHAVEOPT, in.readLong());
            assertEquals(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES, in.readUnsignedShort());
            out.writeInt(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
            byte[] name = export.getBytes(StandardCharsets.UTF_8);
            out.writeLong(IHAVEOPT);
            out.writeInt(OPT_GO);
            out.writeInt(4 + name.length + 2);
            out.writeInt(name.length);
            out.write(name);
            out.writeShort(0);
            out.flush();
            while (true) {
                assertEquals(OPTION_REPLY_MAGIC, in.readLong());
                assertEquals(OPT_GO, in.readInt());
                int type = in.readInt();
                byte[] data = new byte[in.readInt()];
                in.readFully(data);
                if (type == REP_ACK) {
                    break;
                }
                assertEquals(REP_INFO, type, "GO reply type");
                var d = java.nio.ByteBuffer.wrap(data);
                if (d.getShort() == INFO_EXPORT) {
                    size = d.getLong();
                    flags = d.getShort();
                }
            }
        }

        void send(int cmdFlags, int type, long cookie, long offset, int length, byte[] payload) throws IOException {
            out.writeInt(REQUEST_MAGIC);
            out.writeShort(cmdFlags);
            out.writeShort(type);
            out.writeLong(cookie);
            out.writeLong(offset);
            out.writeInt(length);
            if (payload != null) {
                out.write(payload);
            }
            out.flush();
        }

        int reply(long cookie) throws IOException {
            assertEquals(SIMPLE_REPLY_MAGIC, in.readInt());
            int error = in.readInt();
            assertEquals(cookie, in.readLong());
            return error;
        }

        /** Reads the replies (without payload) of pipelined requests, which may come in any order: cookie to error. */
        java.util.Map<Long, Integer> replies(int count) throws IOException {
            java.util.Map<Long, Integer> out = new java.util.TreeMap<>();
            for (int i = 0; i < count; i++) {
                assertEquals(SIMPLE_REPLY_MAGIC, in.readInt());
                int error = in.readInt();
                out.put(in.readLong(), error);
            }
            return out;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void rawClientWritesReadsFlushesTrimsAndDisconnects() throws IOException {
        String vol = newVolume("4M");
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        try (Client c = new Client(vol)) {
            assertEquals(4L << 20, c.size);
            assertEquals(TFLAG_HAS_FLAGS | TFLAG_SEND_FLUSH | TFLAG_SEND_FUA | TFLAG_SEND_TRIM | TFLAG_SEND_WRITE_ZEROES, c.flags);
            // Pipelined requests run concurrently and are answered as they complete.
            c.send(0, CMD_WRITE, 1, 1000, data.length, data);
            c.send(CMD_FLAG_FUA, CMD_WRITE, 2, 0, 3, new byte[] {9, 8, 7});
            c.send(0, CMD_FLUSH, 3, 0, 0, null);
            assertEquals(java.util.Map.of(1L, 0, 2L, 0, 3L, 0), c.replies(3));
            c.send(0, CMD_READ, 4, 1000, data.length, null);
            assertEquals(0, c.reply(4));
            byte[] back = new byte[data.length];
            c.in.readFully(back);
            assertArrayEquals(data, back);

            c.send(0, CMD_TRIM, 5, 8192, 8192, null);
            assertEquals(0, c.reply(5));
            c.send(0, CMD_WRITE_ZEROES, 6, 20000, 100, null);
            assertEquals(0, c.reply(6));
            c.send(0, CMD_READ, 7, (4L << 20) - 10, 20, null);
            assertEquals(EINVAL, c.reply(7));
            c.send(0, CMD_DISC, 8, 0, 0, null);
            assertEquals(-1, c.in.read(), "server closes after NBD_CMD_DISC");
        }
        byte[] expected = Arrays.copyOf(new byte[] {9, 8, 7}, 1000 + data.length);
        System.arraycopy(data, 0, expected, 1000, data.length);
        Arrays.fill(expected, 8192, 16384, (byte) 0);
        Arrays.fill(expected, 20000, 20100, (byte) 0);
        expected[0] = 9;
        expected[1] = 8;
        expected[2] = 7;
        assertArrayEquals(expected, restRead(vol, 0, expected.length), "NBD writes are visible through REST");
    }

    @Test
    void pipelinedWritesToALocalVolumeRunSideBySideAndEachReplyNamesItsRequest() throws IOException {
        String vol = newVolume("4M");
        int writes = 200; // beyond the in-flight limit (64): input pauses and resumes meanwhile
        byte[] expected = new byte[4 << 20];
        java.util.Map<Long, Integer> replies = new java.util.TreeMap<>();
        try (Client c = new Client(vol)) {
            Random r = new Random(11);
            for (int i = 0; i < writes; i++) {
                byte[] block = new byte[4096];
                r.nextBytes(block);
                int at = i * 4096;
                if (i % 5 == 4) {
                    // Onto the block write i - 2 wrote. NBD orders nothing in flight, so a client that needs an order
                    // waits for the earlier write's reply first, as this one does.
                    at = (i - 2) * 4096;
                    while (!replies.containsKey((long) i - 2)) {
                        replies.putAll(c.replies(1));
                    }
                }
                c.send(i % 7 == 0 ? CMD_FLAG_FUA : 0, CMD_WRITE, i, at, block.length, block);
                System.arraycopy(block, 0, expected, at, block.length);
            }
            c.send(0, CMD_FLUSH, writes, 0, 0, null);
            while (replies.size() < writes + 1) {
                replies.putAll(c.replies(1));
            }
            c.send(0, CMD_READ, writes + 1, 0, writes * 4096, null);
            assertEquals(0, c.reply(writes + 1));
            byte[] back = new byte[writes * 4096];
            c.in.readFully(back);
            assertArrayEquals(Arrays.copyOf(expected, back.length), back);
        }
        java.util.Map<Long, Integer> allOk = new java.util.TreeMap<>();
        for (long i = 0; i <= writes; i++) {
            allOk.put(i, 0);
        }
        assertEquals(allOk, replies, "every request answered once, under its own cookie, without an error");
        assertArrayEquals(Arrays.copyOf(expected, writes * 4096), restRead(vol, 0, writes * 4096));
    }

    @Test
    void snapshotExportIsReadOnlyAndServesTheSnapshot() throws IOException {
        byte[] before = new byte[100_000];
        new Random(1).nextBytes(before);
        byte[] after = new byte[100_000];
        new Random(2).nextBytes(after);
        String vol = volumeWithSnapshot("4M", before, after);
        String id = given().get("/api/v1/volumes/" + vol).then().statusCode(200).extract().path("id");
        for (String export : List.of(vol + "@s1", id + "@s1")) {
            try (Client c = new Client(export)) {
                assertEquals(4L << 20, c.size);
                assertEquals(TFLAG_HAS_FLAGS | TFLAG_READ_ONLY | TFLAG_SEND_FLUSH | TFLAG_SEND_FUA | TFLAG_SEND_TRIM
                        | TFLAG_SEND_WRITE_ZEROES, c.flags);
                given().get("/api/v1/volumes/" + vol).then().statusCode(200)
                        .body("clients[0]", org.hamcrest.Matchers.endsWith("(snapshot s1)"));
                c.send(0, CMD_READ, 1, 0, before.length, null);
                assertEquals(0, c.reply(1));
                byte[] back = new byte[before.length];
                c.in.readFully(back);
                assertArrayEquals(before, back, "the snapshot's bytes, not the live volume's");
                c.send(0, CMD_WRITE, 2, 0, 3, new byte[] {1, 2, 3});
                assertEquals(EPERM, c.reply(2));
                c.send(CMD_FLAG_FUA, CMD_WRITE, 3, 4096, 1, new byte[] {1});
                assertEquals(EPERM, c.reply(3));
                c.send(0, CMD_TRIM, 4, 0, 4096, null);
                assertEquals(EPERM, c.reply(4));
                c.send(0, CMD_WRITE_ZEROES, 5, 0, 4096, null);
                assertEquals(EPERM, c.reply(5));
                c.send(0, CMD_FLUSH, 6, 0, 0, null);
                assertEquals(0, c.reply(6));
                c.send(0, CMD_READ, 7, (4L << 20) - 10, 20, null);
                assertEquals(EINVAL, c.reply(7));
                c.send(0, CMD_DISC, 8, 0, 0, null);
                assertEquals(-1, c.in.read());
            }
        }
        assertArrayEquals(after, restRead(vol, 0, after.length), "refused writes changed nothing");
        assertEquals(REP_ERR_UNKNOWN, goReplyType(vol + "@no-such-snapshot"));
        assertEquals(REP_ERR_UNKNOWN, goReplyType(vol + "@"));
        assertEquals(REP_ERR_UNKNOWN, goReplyType("no-such-volume@s1"));
    }

    /** The type of the first reply to NBD_OPT_GO on {@code export}. */
    private static int goReplyType(String export) throws IOException {
        try (Socket s = new Socket(NBD.host(), NBD.port())) {
            s.setSoTimeout(30_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            in.readFully(new byte[18]);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            byte[] name = export.getBytes(StandardCharsets.UTF_8);
            out.writeInt(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
            out.writeLong(IHAVEOPT);
            out.writeInt(OPT_GO);
            out.writeInt(4 + name.length + 2);
            out.writeInt(name.length);
            out.write(name);
            out.writeShort(0);
            out.flush();
            assertEquals(OPTION_REPLY_MAGIC, in.readLong());
            assertEquals(OPT_GO, in.readInt());
            return in.readInt();
        }
    }

    @Test
    void connectedClientsAreListedAndProtectTheVolumeFromDelete() throws IOException {
        String vol = newVolume("1M");
        try (Client c = new Client(vol)) {
            io.restassured.RestAssured.given().get("/api/v1/volumes/" + vol).then().statusCode(200)
                    .body("clients[0]", org.hamcrest.Matchers.startsWith("nbd "));
            io.restassured.RestAssured.given().delete("/api/v1/volumes/" + vol).then().statusCode(409)
                    .body("detail", org.hamcrest.Matchers.containsString("in use by nbd"));
            c.send(0, CMD_DISC, 1, 0, 0, null);
            assertEquals(-1, c.in.read());
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                io.restassured.RestAssured.given().get("/api/v1/volumes/" + vol).then().extract().<java.util.List<?>>path("clients").isEmpty());
        io.restassured.RestAssured.given().delete("/api/v1/volumes/" + vol).then().statusCode(204);
    }

    @Test
    void hostileInputClosesOnlyThatConnection() throws IOException {
        String vol = newVolume("1M");
        try (Socket s = new Socket(NBD.host(), NBD.port())) {
            s.setSoTimeout(30_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            in.readFully(new byte[18]);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(FLAG_FIXED_NEWSTYLE);
            out.writeLong(IHAVEOPT);
            out.writeInt(OPT_GO);
            out.writeInt(Integer.MAX_VALUE);
            out.flush();
            assertEquals(-1, in.read(), "oversized option closes the connection");
        }
        try (Client c = new Client(vol)) {
            c.send(0, CMD_WRITE, 1, 0, -1, null);
            assertEquals(-1, c.in.read(), "oversized write closes the connection");
        }
        try (Client c = new Client(vol)) {
            c.send(0, CMD_READ, 1, 0, 4, null);
            assertEquals(0, c.reply(1));
            c.in.readFully(new byte[4]);
        }
    }

    private static boolean installed(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + output);
        return output;
    }

    @Test
    void nbdinfoListsAndDescribesVolumes() throws Exception {
        Assumptions.assumeTrue(installed("nbdinfo"), "nbdinfo is not installed (apt-get install libnbd-bin); interop test skipped");
        String vol = newVolume("16M");
        String list = run("nbdinfo", "--list", URI);
        assertTrue(list.contains(vol), list);
        assertEquals(Long.toString(16L << 20), run("nbdinfo", "--size", URI + vol).trim());
        String info = run("nbdinfo", URI + vol);
        assertTrue(info.contains("export-size: " + (16L << 20)), info);
        assertTrue(info.contains("can_flush: true") && info.contains("can_trim: true") && info.contains("can_multi_conn: false"), info);
    }

    @Test
    void nbdToolsSeeSnapshotsAsReadOnlyExports() throws Exception {
        Assumptions.assumeTrue(installed("nbdinfo") && installed("nbdcopy"),
                "nbdinfo/nbdcopy are not installed (apt-get install libnbd-bin); interop test skipped");
        byte[] before = new byte[8 << 20];
        new Random(3).nextBytes(before);
        byte[] after = new byte[1 << 20];
        new Random(4).nextBytes(after);
        String vol = volumeWithSnapshot("8M", before, after);
        String list = run("nbdinfo", "--list", URI);
        assertTrue(list.contains(vol + "@s1"), list);
        String info = run("nbdinfo", URI + vol + "@s1");
        assertTrue(info.contains("export-size: " + (8L << 20)), info);
        assertTrue(info.contains("is_read_only: true"), info);
        assertTrue(run("nbdinfo", URI + vol).contains("is_read_only: false"));
        Path dir = Files.createTempDirectory("galleon-nbd-snap-");
        try {
            Path out = dir.resolve("snap.bin");
            run("nbdcopy", URI + vol + "@s1", out.toString());
            assertArrayEquals(before, Files.readAllBytes(out), "nbdcopy reads the snapshot while the live volume has changed");
            Path in = Files.write(dir.resolve("in.bin"), new byte[1 << 20]);
            Process p = new ProcessBuilder("nbdcopy", in.toString(), URI + vol + "@s1").redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertTrue(p.exitValue() != 0, "a copy into a snapshot export fails:\n" + output);
            run("nbdcopy", URI + vol + "@s1", out.toString());
            assertArrayEquals(before, Files.readAllBytes(out), "the snapshot is unchanged");
        } finally {
            deleteTree(dir);
        }
    }

    @Test
    void qemuImgConvertsToAndFromTheExport() throws Exception {
        Assumptions.assumeTrue(installed("qemu-img"), "qemu-img is not installed (apt-get install qemu-utils); interop test skipped");
        String vol = newVolume("8M");
        Path dir = Files.createTempDirectory("galleon-nbd-qemu-");
        try {
            byte[] data = new byte[8 << 20];
            new Random(88).nextBytes(data);
            Path in = Files.write(dir.resolve("in.raw"), data);
            Path out = dir.resolve("out.raw");
            run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", in.toString(), URI + vol);
            run("qemu-img", "convert", "-f", "raw", "-O", "raw", URI + vol, out.toString());
            assertArrayEquals(data, Files.readAllBytes(out));
        } finally {
            deleteTree(dir);
        }
    }

    @Test
    void fioVerifiesEveryBlockItWrote() throws Exception {
        Assumptions.assumeTrue(installed("fio"), "fio is not installed (apt-get install fio); interop test skipped");
        String vol = newVolume("8M");
        String out = run("fio", "--name=galleon-nbd", "--ioengine=nbd", "--uri=" + URI + vol, "--rw=randwrite", "--bs=4k",
                "--size=8M", "--iodepth=16", "--verify=crc32c", "--verify_fatal=1", "--do_verify=1", "--randrepeat=1",
                "--verify_state_save=0"); // no state file left in the working directory
        assertTrue(out.contains("galleon-nbd"), out);
        assertFalse(out.contains("verify: bad") || out.contains("crc32c: verify failed"), out);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void nbdcopyRoundTripIsByteIdentical() throws Exception {
        Assumptions.assumeTrue(installed("nbdcopy"), "nbdcopy is not installed (apt-get install libnbd-bin); interop test skipped");
        String vol = newVolume("16M");
        Path dir = Files.createTempDirectory("galleon-nbd-test-");
        try {
            byte[] data = new byte[16 << 20];
            new Random(16).nextBytes(data);
            Path in = Files.write(dir.resolve("in.bin"), data);
            Path out = dir.resolve("out.bin");
            run("nbdcopy", "--flush", in.toString(), URI + vol);
            run("nbdcopy", URI + vol, out.toString());
            assertArrayEquals(data, Files.readAllBytes(out));
            assertArrayEquals(Arrays.copyOfRange(data, 5 << 20, (5 << 20) + 65536), restRead(vol, 5 << 20, 65536));
            // The whole image through the streamed export (what `volume export` reads) ...
            byte[] exported = given().queryParam("offset", 0).queryParam("length", data.length)
                    .get("/api/v1/volumes/" + vol + "/data").then().statusCode(200).extract().asByteArray();
            assertArrayEquals(data, exported, "volume export returns the image written through NBD");
            // ... and through the FUSE data file of a mount, where /dev/fuse exists.
            if (Files.exists(Path.of("/dev/fuse"))) {
                String path = given().contentType(ContentType.JSON).accept(ContentType.JSON)
                        .body(Map.of("path", dir.resolve("mnt").toString(), "options", List.of("ro", "fs=none")))
                        .post("/api/v1/volumes/" + vol + "/mounts").then().statusCode(201).extract().path("path");
                try {
                    assertArrayEquals(data, Files.readAllBytes(Path.of(path, "data")), "the FUSE data file holds the NBD image");
                } finally {
                    given().queryParam("force", true).delete("/api/v1/volumes/" + vol + "/mounts").then().statusCode(200);
                }
            }
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void unknownExportIsRefusedThroughOptGo() throws Exception {
        Assumptions.assumeTrue(installed("nbdinfo"), "nbdinfo is not installed; interop test skipped");
        Process p = new ProcessBuilder("nbdinfo", URI + "no-such-volume").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(p.exitValue() != 0, output);
        // NBD_REP_ERR_UNKNOWN, which libnbd reports as ENOENT
        assertTrue(output.contains("No such file or directory") && output.contains("no-such-volume"), output);
    }
}
