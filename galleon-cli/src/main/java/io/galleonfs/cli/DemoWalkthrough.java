package io.galleonfs.cli;

import io.galleonfs.api.CloneRequest;
import io.galleonfs.api.CreateVolumeRequest;
import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.MountInfo;
import io.galleonfs.api.MountRequest;
import io.galleonfs.api.NameRequest;
import io.galleonfs.api.SnapshotView;
import io.galleonfs.api.StorageClassInfo;
import io.galleonfs.api.VerifyResult;
import io.galleonfs.api.VolumeInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code galleonfs --demo-mode [--setup-defaults]}: the seed's demo as a real walkthrough on a temporary node. Each
 * step talks to the node through the same REST client as the CLI's commands. With {@code --setup-defaults} it checks
 * the seed's default storage classes (the node creates them when it founds a cluster; they are built in and cannot be
 * deleted) and puts a volume in each; without it, it creates a class of its own, {@code demo-local}, the way
 * {@code storage-class create FILE} does, and uses that.
 */
final class DemoWalkthrough {
    static final String FAST = "fast-local-ssd";
    static final String ENCRYPTED = "encrypted-storage";
    static final String DEMO_CLASS = "demo-local";
    private static final int CHUNK = VolumeDataCommands.CHUNK;
    private static final int DATA = 2 * CHUNK;
    private static final String[] LIBFUSE2 = {"/usr/lib/x86_64-linux-gnu/libfuse.so.2", "/usr/lib/aarch64-linux-gnu/libfuse.so.2",
        "/lib/x86_64-linux-gnu/libfuse.so.2", "/usr/lib64/libfuse.so.2", "/usr/lib/libfuse.so.2"};

    private final boolean setupDefaults;
    private final Path dir;
    private final Cleanup cleanup;
    private final FuseProbe fuse;

    private LocalNode node;
    private GalleonApi api;
    private byte[] original;
    private byte[] overwrite;
    private String mountPath;

    /** Whether this host can mount through FUSE; empty when it can, else why not. */
    @FunctionalInterface
    interface FuseProbe {
        Optional<String> missing();
    }

    DemoWalkthrough(boolean setupDefaults, Path dir, Cleanup cleanup, FuseProbe fuse) {
        this.setupDefaults = setupDefaults;
        this.dir = dir;
        this.cleanup = cleanup;
        this.fuse = fuse;
    }

    /** /dev/fuse and libfuse 2 (what the node's FUSE mounts need). */
    static Optional<String> hostFuse() {
        if (!Files.exists(Path.of("/dev/fuse"))) {
            return Optional.of("/dev/fuse is absent (load the fuse module, or give the container /dev/fuse)");
        }
        for (String lib : LIBFUSE2) {
            if (Files.exists(Path.of(lib))) {
                return Optional.empty();
            }
        }
        return Optional.of("libfuse 2 is not installed (Debian package libfuse2)");
    }

    String volumeClass() {
        return setupDefaults ? FAST : DEMO_CLASS;
    }

    List<StepRunner.Step> steps() {
        List<StepRunner.Step> s = new ArrayList<>();
        s.add(new StepRunner.Step("start a node", this::startNode));
        s.add(setupDefaults ? new StepRunner.Step("default storage classes", this::defaultClasses)
                : new StepRunner.Step("create storage class " + DEMO_CLASS, this::demoClass));
        s.add(new StepRunner.Step("create volume web-data", () -> create("web-data", "64M", volumeClass(), null)));
        if (setupDefaults) {
            s.add(new StepRunner.Step("create volume secure-data", () -> create("secure-data", "16M", ENCRYPTED, 1)));
        }
        s.add(new StepRunner.Step("write " + DataPattern.mib(DATA) + " to web-data", this::writeWebData));
        s.add(new StepRunner.Step("read back web-data", this::readWebData));
        if (setupDefaults) {
            s.add(new StepRunner.Step("write and read secure-data", this::secureData));
        }
        s.add(new StepRunner.Step("verify block checksums", this::verify));
        s.add(new StepRunner.Step("snapshot web-data", this::snapshot));
        s.add(new StepRunner.Step("overwrite web-data", this::overwrite));
        s.add(new StepRunner.Step("clone the snapshot", this::cloneSnapshot));
        s.add(new StepRunner.Step("mount the clone (FUSE)", this::mount));
        s.add(new StepRunner.Step("unmount the clone", this::unmount));
        s.add(new StepRunner.Step("delete the volumes", this::deleteVolumes));
        return s;
    }

    private String startNode() throws Exception {
        Path mounts = dir.resolve("mnt");
        Files.createDirectories(mounts);
        node = LocalNode.on("node", "127.0.0.1", dir, List.of("--mount-point", mounts.toString()));
        Path jar = LocalNode.nodeJar();
        cleanup.add("stop " + node.name, () -> node.stop(20));
        node.start(jar);
        var status = node.awaitReady(1);
        api = node.api(120);
        return "node " + shortId(status.thisNode()) + " (pid " + node.pid() + ") api " + node.ipcAddress + ", storage " + node.storage;
    }

    private String defaultClasses() {
        List<StorageClassInfo> classes = api.listStorageClasses();
        StringBuilder found = new StringBuilder();
        for (String name : List.of(FAST, ENCRYPTED)) {
            StorageClassInfo c = classes.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow(() ->
                    new ErrorHandler.CliException("the node has no storage class " + name + " (it creates the seed's defaults when it founds a cluster)"));
            Map<String, String> p = c.parameters() == null ? Map.of() : c.parameters();
            boolean encrypted = "true".equals(p.get("encryption"));
            found.append(found.isEmpty() ? "" : ", ").append(name).append(" (")
                    .append(encrypted ? p.getOrDefault("encryption_algorithm", "encrypted") : "unencrypted").append(", ")
                    .append(p.getOrDefault("replication", "1")).append(" cop").append("1".equals(p.getOrDefault("replication", "1")) ? "y" : "ies")
                    .append(", reclaim ").append(c.reclaimPolicy()).append(')');
        }
        return found + ": set up by the node when it founded its cluster, built in";
    }

    private String demoClass() {
        StorageClassInfo c = api.createStorageClass(new StorageClassInfo(DEMO_CLASS, "galleonfs.io/local-ssd",
                Map.of("disk_type", "ssd", "encryption", "false", "replication", "1"), "Delete", "Immediate", List.of(), List.of(), null));
        return c.name() + " (" + c.provisioner() + ", 1 copy); the default classes are not used without --setup-defaults";
    }

    private String create(String name, String size, String storageClass, Integer replicas) {
        VolumeInfo v = api.createVolume(new CreateVolumeRequest(name, null, size, storageClass, replicas, null));
        v = api.getVolume(v.name());
        String extra = ENCRYPTED.equals(storageClass) ? " (the class wants 3; this demo has one node)" : "";
        return v.name() + ": " + size + ", class " + v.storageClass() + (v.encrypted() ? ", encrypted" : "") + ", " + v.replicaCount()
                + " cop" + (v.replicaCount() == 1 ? "y" : "ies") + extra + ", " + v.state();
    }

    private String writeWebData() {
        original = DataPattern.bytes(1, DATA);
        long t0 = System.nanoTime();
        writeAll("web-data", 0, original);
        long took = System.nanoTime() - t0;
        return DataPattern.mib(original.length) + " in " + (original.length / CHUNK) + " requests, " + DataPattern.mbPerSecond(original.length, took)
                + ", sha256 " + DataPattern.shortSha(original);
    }

    private void writeAll(String volume, long offset, byte[] data) {
        for (int pos = 0; pos < data.length; pos += CHUNK) {
            byte[] chunk = java.util.Arrays.copyOfRange(data, pos, Math.min(data.length, pos + CHUNK));
            api.writeData(volume, offset + pos, null, chunk);
        }
    }

    private byte[] readAll(String volume, long offset, int length) {
        byte[] out = new byte[length];
        for (int pos = 0; pos < length; pos += CHUNK) {
            int n = Math.min(CHUNK, length - pos);
            byte[] chunk = api.readData(volume, offset + pos, n);
            if (chunk.length != n) {
                throw new ErrorHandler.CliException("the node returned " + chunk.length + " bytes where " + n + " were asked");
            }
            System.arraycopy(chunk, 0, out, pos, n);
        }
        return out;
    }

    static String compare(String what, byte[] expected, byte[] actual) {
        long diff = DataPattern.firstDifference(expected, actual);
        if (diff >= 0) {
            throw new ErrorHandler.CliException(what + ": checksum mismatch (sha256 " + DataPattern.shortSha(actual) + ", expected "
                    + DataPattern.shortSha(expected) + "; first difference at byte " + diff + ")");
        }
        return "sha256 " + DataPattern.shortSha(actual) + " matches";
    }

    private String readWebData() {
        long t0 = System.nanoTime();
        byte[] back = readAll("web-data", 0, DATA);
        long took = System.nanoTime() - t0;
        return DataPattern.mib(back.length) + " at " + DataPattern.mbPerSecond(back.length, took) + ", " + compare("web-data", original, back);
    }

    private String secureData() {
        byte[] secret = DataPattern.bytes(3, 1 << 20);
        writeAll("secure-data", 0, secret);
        byte[] back = readAll("secure-data", 0, secret.length);
        return DataPattern.mib(secret.length) + " through AES-256-GCM at rest, " + compare("secure-data", secret, back);
    }

    private String verify() {
        VerifyResult r = api.verifyVolume("web-data");
        if (!r.healthy()) {
            throw new ErrorHandler.CliException("bad blocks " + r.badBlocks());
        }
        return r.blocksChecked() + " blocks checked against their CRC32C, no bad block";
    }

    private String snapshot() {
        SnapshotView s = api.createSnapshot("web-data", new NameRequest("demo-snap"));
        return s.volume() + "@" + s.name() + " taken at " + s.createdAt();
    }

    private String overwrite() {
        overwrite = DataPattern.bytes(2, 1 << 20);
        writeAll("web-data", 0, overwrite);
        byte[] back = readAll("web-data", 0, overwrite.length);
        return "first " + DataPattern.mib(overwrite.length) + " rewritten after the snapshot, " + compare("web-data", overwrite, back);
    }

    private String cloneSnapshot() {
        VolumeInfo c = api.cloneVolume("web-data", new CloneRequest("web-data-clone", "demo-snap"));
        byte[] back = readAll(c.name(), 0, DATA);
        return c.name() + " from demo-snap holds the data as it was: " + compare(c.name(), original, back);
    }

    private String mount() throws Exception {
        Optional<String> missing = fuse.missing();
        if (missing.isPresent()) {
            throw new StepRunner.Skipped("FUSE is not available on this host: " + missing.get());
        }
        Path path = dir.resolve("mnt").resolve("web-data-clone");
        mountPath = path.toString();
        cleanup.add("unmount " + path, () -> Mounts.detachUnder(dir));
        MountInfo m = api.mountVolume("web-data-clone", new MountRequest(mountPath, List.of("ro", "fs=none")));
        MountInfo mounted = awaitMounted(m.id());
        byte[] back = new byte[DATA];
        try (InputStream in = Files.newInputStream(path.resolve("data"))) {
            int n = in.readNBytes(back, 0, DATA);
            if (n != DATA) {
                throw new ErrorHandler.CliException(path.resolve("data") + " ended after " + n + " bytes");
            }
        }
        return "mounted read-only at " + mounted.path() + "; " + DataPattern.mib(DATA) + " of its file 'data' read through the kernel: "
                + compare("the mount", original, back);
    }

    private MountInfo awaitMounted(String id) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        String last = "pending";
        while (System.nanoTime() < deadline) {
            for (MountInfo m : api.listVolumeMounts("web-data-clone")) {
                if (m.id().equals(id)) {
                    last = m.state();
                    if ("mounted".equals(m.state())) {
                        return m;
                    }
                    if (m.state() != null && m.state().startsWith("failed")) {
                        throw new ErrorHandler.CliException("mount " + m.state());
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new ErrorHandler.CliException("the mount stayed " + last + " for 60 s");
    }

    private String unmount() {
        if (mountPath == null) {
            throw new StepRunner.Skipped("nothing was mounted");
        }
        List<MountInfo> done = api.unmountVolume("web-data-clone", null, false);
        if (Mounts.isMounted(Path.of(mountPath))) {
            throw new ErrorHandler.CliException(mountPath + " is still in the kernel's mount table");
        }
        return done.size() + " mount removed, " + mountPath + " no longer mounted";
    }

    private String deleteVolumes() {
        List<String> names = new ArrayList<>(List.of("web-data-clone", "web-data"));
        if (setupDefaults) {
            names.add("secure-data");
        }
        for (String n : names) {
            api.deleteVolume(n, false);
        }
        int left = api.listVolumes().size();
        if (left != 0) {
            throw new ErrorHandler.CliException(left + " volume(s) still listed after the deletes");
        }
        return String.join(", ", names) + " deleted; the node lists no volume";
    }

    static String shortId(String id) {
        return id == null ? "?" : id.substring(0, Math.min(8, id.length()));
    }
}
