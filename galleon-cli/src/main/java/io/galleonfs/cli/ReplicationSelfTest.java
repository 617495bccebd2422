package io.galleonfs.cli;

import io.galleonfs.api.ClusterStatus;
import io.galleonfs.api.CreateVolumeRequest;
import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.PeerInfo;
import io.galleonfs.api.ReplicaInfo;
import io.galleonfs.api.ScrubResult;
import io.galleonfs.api.VolumeInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code galleonfs --test-replication}: proves that a volume's copies survive the loss of a node. Without
 * {@code --daemon-address} it starts three temporary nodes (real processes on 127.0.0.2-4, each with its own storage
 * directory), writes a known pattern to a 3-copy volume, kills the primary's node with SIGKILL and reads everything
 * back through a survivor. With {@code --daemon-address} it checks a running cluster without harming it: a temporary
 * volume with a copy on up to three nodes, written, read back through each node holding a copy, compared copy by copy
 * (scrub), then deleted; no node is stopped.
 */
final class ReplicationSelfTest {
    private static final int CHUNK = VolumeDataCommands.CHUNK;
    static final int DATA = 2 * CHUNK;
    private static final String CONCERN = "distributed";
    private static final long SYNC_TIMEOUT_NANOS = 60_000_000_000L;

    /** The figures of the PASS line. */
    private long writeNanos;
    private long failoverNanos = -1;
    private long verifiedBytes;
    private String killed = "";
    private String readVia = "";

    private final byte[] pattern = DataPattern.bytes(0x5EEDL, DATA);
    private final String volume = "galleonfs-selftest-" + HexFormat.of().toHexDigits(System.nanoTime()).substring(8);

    // ------------------------------------------------------------------ local: three temporary nodes

    /** The steps with three nodes of its own under {@code dir}. */
    List<StepRunner.Step> localSteps(Path dir, Cleanup cleanup) {
        Local local = new Local(dir, cleanup);
        return List.of(
                new StepRunner.Step("start 3 nodes on 127.0.0.2-4", local::startCluster),
                new StepRunner.Step("create a 3-copy volume", local::create),
                new StepRunner.Step("write " + DataPattern.mib(DATA) + " (" + CONCERN + ")", () -> write(local.via())),
                new StepRunner.Step("wait until the 3 copies are in sync", () -> awaitInSync(local.via(), 3, local::label)),
                new StepRunner.Step("kill -9 the primary's node", local::killPrimary),
                new StepRunner.Step("read back through a survivor", local::readBack),
                new StepRunner.Step("a survivor took over as primary", local::newPrimary));
    }

    private final class Local {
        private final Path dir;
        private final Cleanup cleanup;
        private final List<LocalNode> nodes = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final Map<String, LocalNode> byId = new LinkedHashMap<>();
        private LocalNode entry;
        private LocalNode victim;
        private long killedAt;

        Local(Path dir, Cleanup cleanup) {
            this.dir = dir;
            this.cleanup = cleanup;
        }

        GalleonApi via() {
            return entry.api(120);
        }

        String label(String nodeId) {
            LocalNode n = byId.get(nodeId);
            return n == null ? DemoWalkthrough.shortId(nodeId) : n.name;
        }

        String startCluster() throws Exception {
            Path jar = LocalNode.nodeJar();
            LocalNode founder = LocalNode.on("node1", "127.0.0.2", dir, List.of());
            nodes.add(founder);
            cleanup.add("stop the nodes", () -> LocalNode.stopAll(nodes, 10));
            founder.start(jar);
            ClusterStatus s = founder.awaitReady(1);
            byId.put(s.thisNode(), founder);
            String token = founder.ownToken().orElseThrow(() -> new ErrorHandler.CliException("node1 founded a cluster but wrote no admin token"));
            List<LocalNode> joiners = new ArrayList<>();
            for (int i = 2; i <= 3; i++) {
                LocalNode n = LocalNode.on("node" + i, "127.0.0." + (i + 1), dir, List.of("--peer-addresses", founder.bindAddress));
                n.withToken(token);
                nodes.add(n);
                joiners.add(n);
                n.start(jar);
            }
            for (LocalNode n : joiners) {
                byId.put(n.awaitReady(3).thisNode(), n);
            }
            ClusterStatus formed = founder.awaitReady(3);
            entry = founder;
            StringBuilder b = new StringBuilder();
            for (LocalNode n : nodes) {
                b.append(n.name).append(' ').append(n.ipcAddress).append(" (pid ").append(n.pid()).append("), ");
            }
            return b + "cluster " + DemoWalkthrough.shortId(formed.clusterId()) + ", leader " + label(formed.leader());
        }

        String create() {
            VolumeInfo v = via().createVolume(new CreateVolumeRequest(volume, null, "64M", DemoWalkthrough.FAST, 3, null));
            if (v.replicas() == null || v.replicas().size() != 3) {
                throw new ErrorHandler.CliException(v.name() + " got " + (v.replicas() == null ? 0 : v.replicas().size()) + " copies, not 3");
            }
            return v.name() + ": 64M, copies on " + copies(v, this::label);
        }

        String killPrimary() throws InterruptedException {
            VolumeInfo v = via().getVolume(volume);
            String primary = v.replicas().stream().filter(ReplicaInfo::primary).map(ReplicaInfo::node).findFirst()
                    .orElseThrow(() -> new ErrorHandler.CliException(volume + " lists no primary"));
            victim = byId.get(primary);
            if (victim == null) {
                throw new ErrorHandler.CliException("the primary " + primary + " is none of the 3 nodes started here");
            }
            long pid = victim.pid();
            ClusterStatus s = victim.api(5).clusterStatus();
            boolean leader = primary.equals(s.leader());
            killedAt = System.nanoTime();
            victim.kill();
            killed = victim.name + (leader ? " (primary and Raft leader)" : " (primary)");
            entry = nodes.stream().filter(n -> n != victim).findFirst().orElseThrow();
            return victim.name + " (pid " + pid + ") killed with SIGKILL; it held the primary copy" + (leader ? " and led the Raft group" : "");
        }

        String readBack() {
            byte[] back = readAll(via(), volume, DATA);
            failoverNanos = System.nanoTime() - killedAt;
            readVia = entry.name;
            String result = DemoWalkthrough.compare("read through " + entry.name, pattern, back);
            verifiedBytes = back.length;
            return DataPattern.mib(back.length) + " through " + entry.name + ", complete " + StepRunner.seconds(failoverNanos)
                    + " after the kill: " + result;
        }

        String newPrimary() {
            VolumeInfo v = via().getVolume(volume);
            String primary = v.replicas().stream().filter(ReplicaInfo::primary).map(ReplicaInfo::node).findFirst().orElse(null);
            LocalNode p = primary == null ? null : byId.get(primary);
            if (p == null || p == victim) {
                throw new ErrorHandler.CliException("no surviving node holds the primary copy (primary: " + primary + ")");
            }
            return p.name + " is primary; volume " + v.state() + (v.stateReason() == null ? "" : " (" + v.stateReason() + ")");
        }
    }

    // ------------------------------------------------------------------ remote: a running cluster, left as it was

    /** The steps against the cluster {@code api} (the node given with --daemon-address) belongs to. */
    List<StepRunner.Step> remoteSteps(String address, GalleonApi api, Function<String, GalleonApi> apiAt, Cleanup cleanup) {
        Remote remote = new Remote(address, api, apiAt, cleanup);
        return List.of(
                new StepRunner.Step("reach the cluster", remote::reach),
                new StepRunner.Step("create a temporary volume", remote::create),
                new StepRunner.Step("write " + DataPattern.mib(DATA) + " (" + CONCERN + ")", () -> write(api)),
                new StepRunner.Step("wait until every copy is in sync", () -> awaitInSync(api, remote.copies, remote::label)),
                new StepRunner.Step("read back through each copy's node", remote::readThroughEach),
                new StepRunner.Step("compare the copies (scrub)", remote::scrub),
                new StepRunner.Step("delete the temporary volume", remote::delete));
    }

    private final class Remote {
        private final String address;
        private final GalleonApi api;
        private final Function<String, GalleonApi> apiAt;
        private final Cleanup cleanup;
        private final Map<String, PeerInfo> peers = new LinkedHashMap<>();
        private int copies;
        private boolean deleted;

        Remote(String address, GalleonApi api, Function<String, GalleonApi> apiAt, Cleanup cleanup) {
            this.address = address;
            this.api = api;
            this.apiAt = apiAt;
            this.cleanup = cleanup;
        }

        String label(String nodeId) {
            PeerInfo p = peers.get(nodeId);
            return DemoWalkthrough.shortId(nodeId) + (p == null ? "" : "@" + p.ipcAddress());
        }

        String reach() {
            ClusterStatus s = api.clusterStatus();
            api.clusterPeers().forEach(p -> peers.put(p.id(), p));
            long up = peers.values().stream().filter(p -> "up".equals(p.state())).count();
            if (up < 2) {
                throw new ErrorHandler.CliException("the cluster at " + address + " has " + up + " member(s) up; proving replication needs 2 or more");
            }
            copies = (int) Math.min(3, up);
            return "cluster " + DemoWalkthrough.shortId(s.clusterId()) + ": " + peers.size() + " member(s), " + up + " up, leader "
                    + label(s.leader());
        }

        String create() {
            VolumeInfo v = api.createVolume(new CreateVolumeRequest(volume, null, "16M", DemoWalkthrough.FAST, copies, null));
            // a volume this run created is removed whatever happens next (best effort from a Ctrl-C hook)
            cleanup.add("delete volume " + volume, () -> {
                if (!deleted) {
                    api.deleteVolume(volume, true);
                }
            });
            return v.name() + ": 16M, " + copies + " copies on " + copies(v, this::label);
        }

        String readThroughEach() {
            VolumeInfo v = api.getVolume(volume);
            List<String> done = new ArrayList<>();
            for (ReplicaInfo r : v.replicas()) {
                PeerInfo p = peers.get(r.node());
                if (p == null || p.ipcAddress() == null) {
                    throw new ErrorHandler.CliException("copy holder " + r.node() + " is not among the cluster's peers");
                }
                byte[] back = readAll(apiAt.apply(p.ipcAddress()), volume, DATA);
                DemoWalkthrough.compare("read through " + label(r.node()), pattern, back);
                verifiedBytes += back.length;
                done.add(label(r.node()) + (r.primary() ? " (primary)" : ""));
            }
            readVia = String.join(", ", done);
            return "sha256 " + DataPattern.shortSha(pattern) + " matches through " + readVia;
        }

        String scrub() {
            ScrubResult r = api.scrubVolume(volume);
            if (r.blocksRepaired() != 0) {
                throw new ErrorHandler.CliException(r.blocksRepaired() + " of " + r.blocksChecked() + " blocks differed between the copies");
            }
            return r.blocksChecked() + " blocks compared across " + copies + " copies, all equal";
        }

        String delete() {
            api.deleteVolume(volume, false);
            deleted = true;
            return volume + " deleted";
        }
    }

    // ------------------------------------------------------------------ shared

    private String write(GalleonApi api) {
        long t0 = System.nanoTime();
        String concern = null;
        for (int pos = 0; pos < DATA; pos += CHUNK) {
            concern = api.writeData(volume, pos, CONCERN, java.util.Arrays.copyOfRange(pattern, pos, pos + CHUNK)).writeConcern();
        }
        writeNanos = System.nanoTime() - t0;
        return DataPattern.mib(DATA) + " at " + DataPattern.mbPerSecond(DATA, writeNanos) + ", acknowledged as " + concern
                + ", sha256 " + DataPattern.shortSha(pattern);
    }

    private String awaitInSync(GalleonApi api, int copies, Function<String, String> label) throws InterruptedException {
        long deadline = System.nanoTime() + SYNC_TIMEOUT_NANOS;
        VolumeInfo v = api.getVolume(volume);
        while (!inSync(v, copies)) {
            if (System.nanoTime() > deadline) {
                throw new ErrorHandler.CliException(volume + " not in sync within 60 s: " + v.state() + ", copies " + copies(v, label));
            }
            Thread.sleep(200);
            v = api.getVolume(volume);
        }
        return v.state() + ": " + copies(v, label);
    }

    private static boolean inSync(VolumeInfo v, int copies) {
        return "healthy".equals(v.state()) && v.replicas() != null && v.replicas().size() == copies
                && v.replicas().stream().allMatch(r -> "healthy".equals(r.state()));
    }

    private static String copies(VolumeInfo v, Function<String, String> label) {
        List<String> parts = new ArrayList<>();
        for (ReplicaInfo r : v.replicas()) {
            parts.add(label.apply(r.node()) + (r.primary() ? " (primary)" : "") + (r.state() == null ? "" : " " + r.state()));
        }
        return String.join(", ", parts);
    }

    /** Reads {@code length} bytes in chunks; the first request of a read through a survivor waits for the failover. */
    private static byte[] readAll(GalleonApi api, String volume, int length) {
        byte[] out = new byte[length];
        for (int pos = 0; pos < length; pos += CHUNK) {
            int n = Math.min(CHUNK, length - pos);
            byte[] chunk = api.readData(volume, pos, n);
            if (chunk.length != n) {
                throw new ErrorHandler.CliException("a node returned " + chunk.length + " bytes where " + n + " were asked");
            }
            System.arraycopy(chunk, 0, out, pos, n);
        }
        return out;
    }

    /** The summary line after every step passed. */
    String passLine(boolean local) {
        String common = DataPattern.mib(DATA) + " written at " + DataPattern.mbPerSecond(DATA, writeNanos);
        if (local) {
            return String.format(Locale.ROOT, "PASS: replication self-test: %s to 3 copies; %s killed with SIGKILL; read back through %s "
                    + "%.2f s after the kill; %d bytes verified", common, killed, readVia, failoverNanos / 1e9, verifiedBytes);
        }
        return String.format(Locale.ROOT, "PASS: replication check: %s; read back through %s; %d bytes verified; copies equal; "
                + "temporary volume deleted", common, readVia, verifiedBytes);
    }
}
