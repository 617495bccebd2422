package io.galleonfs.node.cluster;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.engine.AtomicFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.ObjectMessage;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.MPING;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT;
import org.jgroups.protocols.dns.DNS_PING;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.raft.RaftHandle;
import org.jgroups.stack.Protocol;

/**
 * This node's membership in the cluster: owns the JGroups channel (discovery, failure detection, merge of healed
 * partitions) whose stack carries jgroups-raft, the consensus for {@link RaftMetadataStore}. Joining is a handshake
 * on the channel: a new node asks, the leader adds it as a Raft member and answers with the member list; from then on
 * the leader's log (or a snapshot) brings the newcomer's metadata up to date.
 */
public final class ClusterNode implements Receiver, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClusterNode.class);
    /**
     * The second Raft member a joining node counts until the leader's answer names the real ones. Alone in its own
     * JGroups view (its peers not reachable yet, e.g. their DNS names not resolving) a joiner whose only member is
     * itself is a one-member majority: it elected itself leader of term 1 while the founder led term 1 too, and the
     * founder then refused every AppendEntries ("changing leader illegally") for good. A member that never answers
     * keeps the joiner's majority at two, so it cannot elect itself.
     */
    static final String JOINING_PLACEHOLDER = "(joining: waiting for the leader's member list)";

    private final ClusterSettings settings;
    private final RaftMetadataStore store;
    private final Supplier<ControlMessage.Heartbeat> heartbeat;
    private final Supplier<List<HostPort>> knownPeers;
    private final Map<String, ControlMessage.Heartbeat> heartbeats = new ConcurrentHashMap<>();
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "galleon-cluster-ticker");
        t.setDaemon(true);
        return t;
    });
    private volatile CompletableFuture<ControlMessage.JoinReply> pendingJoin;
    private volatile View view;
    private JChannel channel;
    private RaftHandle raft;
    /** Mutual TLS on the JGroups transport, or null for plain TCP. */
    private final io.galleonfs.node.tls.ClusterTls tls;

    /** @param knownPeers bind addresses of the members metadata knows, remembered so a restart finds them again */
    public ClusterNode(ClusterSettings settings, RaftMetadataStore store, Supplier<ControlMessage.Heartbeat> heartbeat,
                       Supplier<List<HostPort>> knownPeers) {
        this(settings, store, heartbeat, knownPeers, null);
    }

    /** @param tls mutual TLS with the cluster CA on the JGroups transport; null for plain TCP */
    public ClusterNode(ClusterSettings settings, RaftMetadataStore store, Supplier<ControlMessage.Heartbeat> heartbeat,
                       Supplier<List<HostPort>> knownPeers, io.galleonfs.node.tls.ClusterTls tls) {
        this.tls = tls;
        this.settings = settings;
        this.store = store;
        this.heartbeat = heartbeat;
        this.knownPeers = knownPeers;
    }

    /** True when this node has never been a Raft member: it must join (peers given) or found a new cluster. */
    public boolean isNew() {
        return !Files.exists(membersFile());
    }

    /**
     * Connects to the cluster: a known member rejoins with its persisted identity and log; a new node with peers
     * joins through the leader; a new node without peers founds a one-member cluster.
     */
    public void start() throws Exception {
        Files.createDirectories(settings.dir());
        boolean fresh = isNew();
        boolean joining = fresh && !settings.peers().isEmpty();
        List<String> members = !fresh ? readMembers() : joining ? List.of(settings.nodeId(), JOINING_PLACEHOLDER) : List.of(settings.nodeId());
        if (joining && tls != null) {
            refuseIfCertificatesDisagree();
        }
        String name = readClusterName().orElse(settings.clusterName());
        writeIfChanged(settings.dir().resolve("cluster-name"), List.of(name));
        connect(name, members);
        if (joining) {
            join();
        }
        persistMembers();
        long hb = settings.heartbeatInterval().toMillis();
        ticker.scheduleWithFixedDelay(this::tick, hb, hb, TimeUnit.MILLISECONDS);
        LOG.infof("cluster: node %s %s on %s (raft members %s)", settings.nodeId(),
                joining ? "joined" : fresh ? "founded a new cluster" : "rejoined", settings.bind(), raft.raft().members());
    }

    /**
     * A joiner whose certificate the cluster does not accept (or whose CA does not sign the cluster's) would only see
     * its join time out; asking the peers' TLS first turns that into one line naming the cause.
     */
    private void refuseIfCertificatesDisagree() {
        for (HostPort peer : settings.peers()) {
            java.util.Optional<String> refusal = tls.refusalBy(peer, 2000);
            if (refusal.isPresent()) {
                throw new JoinRefusedException("the cluster refused this node's TLS certificate: " + refusal.get()
                        + "; empty this node's <storage>/tls/ and start it with a --join-token created on a member of this cluster"
                        + " (or copy ca.crt and ca.key from a member's <storage>/tls/ into it)");
            }
        }
    }

    /** This node's RAFT protocol, once started (tests). */
    RAFT raftProtocol() {
        return raft.raft();
    }

    /**
     * The RAFT protocol of this node's stack. logUseFsync: jgroups-raft's FileBasedLog does not fsync by default, so an
     * entry a majority had "logged" could vanish in a power loss on that majority after the change was acknowledged
     * (a volume, a primary promotion).
     */
    static RAFT raftProtocol(List<String> members, ClusterSettings settings) {
        return new SelfRemovingRaft().members(members).raftId(settings.nodeId()).logDir(settings.dir().toString()).maxLogSize(1 << 20)
                .resendInterval(200).logUseFsync(true);
    }

    private Protocol[] stack(List<String> members) throws IOException {
        InetAddress bindAddr = InetAddress.getByName(settings.bind().host());
        TCP tcp = new TCP();
        if (tls != null) {
            tcp.setSocketFactory(tls.jgroupsSocketFactory());
        }
        // JGroups 5.4 leaves Nagle on: a lone small message (a forwarded change, a leader's reply) then waited for the
        // peer's delayed ACK, ~40 ms per hop, and a change made through a follower took 45-90 ms instead of ~2 ms.
        tcp.tcpNodelay(true);
        tcp.setBindAddress(bindAddr);
        tcp.setBindPort(settings.bind().port());
        tcp.setPortRange(0);
        InetAddress advertised = InetAddress.getByName(settings.advertised().host());
        if (!advertised.equals(bindAddr)) {
            tcp.setExternalAddr(advertised);
        }
        List<Protocol> p = new ArrayList<>();
        p.add(tcp);
        switch (settings.discovery()) {
            case "multicast" -> p.add(new MPING());
            case "dns" -> p.add(new DNS_PING().dnsQuery(settings.dnsQuery()));
            default -> {
                List<InetSocketAddress> hosts = new ArrayList<>();
                hosts.add(new InetSocketAddress(advertised, settings.bind().port()));
                Set<HostPort> all = new LinkedHashSet<>(settings.peers());
                all.addAll(readPeers());
                all.remove(settings.bind());
                all.remove(settings.advertised());
                for (HostPort peer : all) {
                    hosts.add(new InetSocketAddress(InetAddress.getByName(peer.host()), peer.port()));
                }
                p.add(new TCPPING().setInitialHosts(hosts).setPortRange(0).returnEntireCache(true));
            }
        }
        p.add(new MERGE3().setMinInterval(1000).setMaxInterval(3000));
        // FD_SOCK2 has its own plain NIO listener that TLS cannot cover, so with TLS a crash is found by FD_ALL3's
        // heartbeats alone (within its timeout) and no port is left open to anyone without a certificate.
        if (tls == null) {
            // Without its own bind address FD_SOCK2 listens on every interface (and collides across nodes sharing a port).
            FD_SOCK2 fdSock = new FD_SOCK2().setBindAddress(bindAddr);
            if (!advertised.equals(bindAddr)) {
                fdSock.setExternalAddress(advertised);
            }
            p.add(fdSock);
        }
        p.add(new FD_ALL3().setTimeout(6000).setInterval(1500));
        p.add(new VERIFY_SUSPECT().setTimeout(1000));
        p.add(new NAKACK2());
        p.add(new UNICAST3());
        p.add(new STABLE());
        p.add(new RetryTolerantNoDupes());
        // A node with nobody to find does not wait long for discovery answers.
        p.add(new GMS().setJoinTimeout(settings.peers().isEmpty() && readPeers().isEmpty() ? 200 : 1000));
        p.add(new UFC());
        p.add(new MFC());
        p.add(new FRAG4());
        p.add(new RaftMemberElection());
        // The leader's resend task also carries the commit index to followers; a short interval makes a change made
        // through a follower visible there (read-your-writes) within ~200 ms instead of the 1 s default.
        // (send_commits_immediately would be faster, but stalled commits for a freshly added member in our tests.)
        RAFT r = raftProtocol(members, settings);
        p.add(r);
        p.add(new REDIRECT());
        return p.toArray(Protocol[]::new);
    }

    /**
     * Connects the channel. A node started again right after a crash is refused while the others still list its previous
     * process (NO_DUPES); {@link RetryTolerantNoDupes} has that process checked at once, so asking again gets in within
     * about VERIFY_SUSPECT's timeout. Any other refusal, or this one past the join timeout, is final.
     */
    private void connect(String clusterName, List<String> members) throws Exception {
        long deadline = System.nanoTime() + settings.joinTimeout().toNanos();
        boolean told = false;
        while (true) {
            // a fresh channel per attempt: a JChannel whose connect failed half-way is not reliably reusable
            channel = new JChannel(stack(members)).name(settings.nodeId());
            raft = new RaftHandle(channel, store).raftId(settings.nodeId());
            store.attach(raft, this::majorityReachable, this::requestCommitIndex);
            channel.setReceiver(this);
            try {
                channel.connect(clusterName);
                return;
            } catch (SecurityException e) {
                channel.close();
                if (!isDuplicateRefusal(e)) {
                    throw e;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the cluster still has a live member with this node's id " + settings.nodeId()
                            + " after " + settings.joinTimeout().toSeconds() + " s: is this node's storage in use by another daemon?", e);
                }
                if (!told) {
                    LOG.infof("cluster: the members still list a previous process of node %s (stopped without leaving, e.g. killed);"
                            + " asking again until it is found gone", settings.nodeId());
                    told = true;
                }
                Thread.sleep(500); // the coordinator is checking the listed process (VERIFY_SUSPECT, 1 s)
            }
        }
    }

    static boolean isDuplicateRefusal(SecurityException e) {
        return e.getMessage() != null && e.getMessage().contains("duplicate members");
    }

    private void join() throws Exception {
        long deadline = System.nanoTime() + settings.joinTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            pendingJoin = new CompletableFuture<>();
            send(null, new ControlMessage.JoinRequest(settings.nodeId(), settings.joinToken()));
            try {
                ControlMessage.JoinReply reply = pendingJoin.get(1500, TimeUnit.MILLISECONDS);
                if (!reply.accepted()) {
                    throw new JoinRefusedException("the cluster refused this node: " + reply.reason());
                }
                raft.raft().members(reply.members());
                return;
            } catch (TimeoutException noAnswerYet) {
                // no leader answered yet (elections, or the peers are still starting): ask again
            }
        }
        throw new IllegalStateException("could not join the cluster through " + settings.peers() + ": no leader answered within "
                + settings.joinTimeout().toSeconds() + " s (this node's view: " + channel.getView() + ", leader: " + leaderId() + ")");
    }

    private void tick() {
        try {
            // The heartbeat first: persisting a changed member list fsyncs, which a busy disk can hold for seconds.
            send(null, heartbeat.get());
            persistMembers();
        } catch (Exception e) {
            LOG.debugf("cluster tick failed: %s", e.getMessage());
        }
    }

    /** Asks the leader for the commit index (see {@link ControlMessage.CommitIndexRequest}); best effort. */
    private void requestCommitIndex() {
        try {
            Address leader = raft == null ? null : raft.raft().leader();
            if (leader != null && !raft.isLeader()) {
                send(leader, new ControlMessage.CommitIndexRequest(settings.nodeId()));
            }
        } catch (Exception e) {
            LOG.debugf("could not ask the leader for the commit index: %s", e.getMessage());
        }
    }

    private void send(Address to, ControlMessage message) throws Exception {
        JChannel ch = channel;
        if (ch != null && ch.isConnected()) {
            ch.send(new ObjectMessage(to, RaftMetadataStore.JSON.writeValueAsBytes(message)));
        }
    }

    @Override
    public void receive(Message msg) {
        Object payload = msg.getObject();
        if (!(payload instanceof byte[] bytes)) {
            return;
        }
        ControlMessage m;
        try {
            m = RaftMetadataStore.JSON.readValue(bytes, ControlMessage.class);
        } catch (IOException e) {
            LOG.debugf("ignoring a malformed control message from %s", msg.getSrc());
            return;
        }
        Address from = msg.getSrc();
        switch (m) {
            case ControlMessage.Heartbeat h -> heartbeats.put(h.nodeId(), h);
            case ControlMessage.JoinReply r -> {
                CompletableFuture<ControlMessage.JoinReply> f = pendingJoin;
                if (f != null && r.nodeId().equals(settings.nodeId())) {
                    f.complete(r);
                }
            }
            case ControlMessage.JoinRequest j -> {
                if (raft.isLeader() && !j.nodeId().equals(settings.nodeId())) {
                    handlers.submit(() -> admit(j.nodeId(), j.joinToken(), from));
                }
            }
            case ControlMessage.CommitIndexRequest c -> {
                if (raft.isLeader()) {
                    try {
                        ((SelfRemovingRaft) raft.raft()).sendCommitIndexTo(from);
                    } catch (RuntimeException e) {
                        LOG.debugf("could not send the commit index to %s: %s", c.nodeId(), e.getMessage());
                    }
                }
            }
            case ControlMessage.LeaveRequest l -> {
                if (raft.isLeader()) {
                    handlers.submit(() -> removeMember(l.nodeId()));
                }
            }
        }
    }

    private void admit(String nodeId, String joinToken, Address from) {
        try {
            java.util.Optional<String> refusal = raft.raft().members().contains(nodeId) ? java.util.Optional.empty()
                    : io.galleonfs.node.auth.JoinAdmission.refusal(store.state().joinTokens(), joinToken, System.currentTimeMillis());
            if (refusal.isPresent()) {
                LOG.warnf("cluster: refused node %s at %s: %s", nodeId, from, refusal.get());
                send(from, new ControlMessage.JoinReply(nodeId, false, List.of(), refusal.get()));
                return;
            }
            if (!raft.raft().members().contains(nodeId)) {
                raft.addServer(nodeId).get(settings.metadataTimeout().toMillis(), TimeUnit.MILLISECONDS);
                LOG.infof("cluster: admitted node %s as a Raft member", nodeId);
            }
            send(from, new ControlMessage.JoinReply(nodeId, true, raft.raft().members(), null));
        } catch (Exception e) {
            LOG.warnf("cluster: could not admit node %s: %s", nodeId, e.getMessage());
        }
    }

    private void removeMember(String nodeId) {
        try {
            if (raft.raft().members().contains(nodeId)) {
                raft.removeServer(nodeId).get(settings.metadataTimeout().toMillis(), TimeUnit.MILLISECONDS);
                LOG.infof("cluster: removed node %s from the Raft members", nodeId);
            }
        } catch (Exception e) {
            LOG.warnf("cluster: could not remove node %s: %s", nodeId, e.getMessage());
        }
    }

    /** Asks the leader to remove this node from the Raft membership and waits until it is out (or the timeout). */
    public void leave() throws Exception {
        if (raft.isLeader() && raft.raft().members().size() > 1) {
            removeMember(settings.nodeId());
            awaitFollowersCommitted();
        } else {
            send(null, new ControlMessage.LeaveRequest(settings.nodeId()));
        }
        long deadline = System.nanoTime() + settings.metadataTimeout().toNanos() * 2;
        while (System.nanoTime() < deadline && raft.raft().members().contains(settings.nodeId()) && raft.raft().members().size() > 1) {
            Thread.sleep(100);
        }
    }

    /**
     * Keeps leading after this node's own removal (see {@link SelfRemovingRaft}) until every reachable member has
     * confirmed the commit, pushing the commit index meanwhile; bounded by the metadata timeout.
     */
    private void awaitFollowersCommitted() throws InterruptedException {
        RAFT r = raft.raft();
        // Not commitIndex(): the removal's future completes while its entry is being applied, before the commit
        // index moves past it. The last appended entry is at or after the removal.
        long target = r.lastAppended();
        long deadline = System.nanoTime() + settings.metadataTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            org.jgroups.raft.util.CommitTable table = r.commitTable();
            View v = view;
            if (table == null || v == null) {
                LOG.warnf("cluster: stopped leading before the remaining members confirmed this node's removal");
                return;
            }
            boolean all = r.commitIndex() >= target;
            List<Address> behind = new ArrayList<>();
            for (Address a : table.keys()) {
                org.jgroups.raft.util.CommitTable.Entry e = table.get(a);
                if (v.containsMember(a) && !a.equals(channel.getAddress()) && e != null && e.commitIndex() < target) {
                    all = false;
                    behind.add(a);
                }
            }
            if (all) {
                LOG.infof("cluster: the remaining members confirmed this node's removal (commit index %d)", target);
                return;
            }
            // Only the commit index, capped at what each follower holds: flushCommitTable() would resend entries from
            // the log, and with the log compacted into a snapshot it read before the log's start (a 500 of the leave,
            // "newPosition < 0" in ClusterIT). Entries a follower lacks reach it by Raft's own resend or snapshot.
            for (Address a : behind) {
                ((SelfRemovingRaft) r).sendCommitIndexTo(a);
            }
            Thread.sleep(50);
        }
        LOG.warnf("cluster: the remaining members did not confirm this node's removal within %s", settings.metadataTimeout());
    }

    @Override
    public void viewAccepted(View newView) {
        view = newView;
        LOG.debugf("cluster view: %s", newView);
    }

    private Path membersFile() {
        return settings.dir().resolve("members");
    }

    private List<String> readMembers() throws IOException {
        return Arrays.stream(Files.readString(membersFile(), StandardCharsets.UTF_8).split("\n"))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private synchronized void persistMembers() throws IOException {
        writeIfChanged(membersFile(), raft.raft().members().stream().toList());
        writeIfChanged(settings.dir().resolve("peers"), knownPeers.get().stream().map(HostPort::toString).sorted().toList());
    }

    private static void writeIfChanged(Path f, List<String> lines) throws IOException {
        String text = String.join("\n", lines) + "\n";
        if (!Files.exists(f) || !Files.readString(f, StandardCharsets.UTF_8).equals(text)) {
            AtomicFiles.write(f, java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private java.util.Optional<String> readClusterName() {
        Path f = settings.dir().resolve("cluster-name");
        try {
            return Files.exists(f) ? java.util.Optional.of(Files.readString(f, StandardCharsets.UTF_8).trim()).filter(x -> !x.isEmpty())
                    : java.util.Optional.empty();
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** The JGroups cluster name this node uses. */
    public String clusterName() {
        return channel == null ? settings.clusterName() : channel.getClusterName();
    }

    private List<HostPort> readPeers() {
        Path f = settings.dir().resolve("peers");
        try {
            if (!Files.exists(f)) {
                return List.of();
            }
            return Arrays.stream(Files.readString(f, StandardCharsets.UTF_8).split("\n")).map(String::trim)
                    .filter(x -> !x.isEmpty()).map(x -> HostPort.parse("peer", x)).toList();
        } catch (IOException | IllegalArgumentException e) {
            LOG.warnf("ignoring unreadable peer list %s: %s", f, e.getMessage());
            return List.of();
        }
    }

    /** Node ids of the current JGroups view (reachable members). */
    public Set<String> reachable() {
        View v = view;
        Set<String> names = new LinkedHashSet<>();
        if (v != null) {
            for (Address a : v.getMembers()) {
                names.add(a.toString());
            }
        }
        return names;
    }

    public List<MemberView> members() {
        Set<String> ids = new LinkedHashSet<>(raft.raft().members());
        ids.addAll(reachable());
        Set<String> inView = reachable();
        String leader = leaderId();
        long now = System.currentTimeMillis();
        long stale = settings.heartbeatInterval().toMillis() * 3;
        List<MemberView> out = new ArrayList<>();
        for (String id : ids) {
            ControlMessage.Heartbeat h = id.equals(settings.nodeId()) ? heartbeat.get() : heartbeats.get(id);
            String state;
            if (!inView.contains(id)) {
                state = "down";
            } else if (id.equals(settings.nodeId())) {
                // The node answering is alive whatever its own ticker's delay (a loaded machine can hold it off for seconds).
                state = "up";
            } else if (h == null || now - h.sentAtMillis() > stale) {
                state = "suspect";
            } else {
                state = "up";
            }
            out.add(new MemberView(id, state, id.equals(leader), raft.raft().members().contains(id),
                    h == null ? 0 : h.capacityBytes(), h == null ? 0 : h.freeBytes(), h == null ? 0 : h.replicaCount(),
                    h == null ? 0 : h.sentAtMillis(), h == null ? 0 : h.reservedBytes(), h == null ? 0 : h.provisionedBytes(),
                    h == null ? 0 : h.capacityIops(), h == null ? 0 : h.capacityMbps()));
        }
        return out;
    }

    /** True when the current view holds a majority of the Raft members (this node included). */
    public boolean majorityReachable() {
        List<String> voters = raft.raft().members();
        Set<String> inView = reachable();
        long reachableVoters = voters.stream().filter(inView::contains).count();
        return reachableVoters > voters.size() / 2;
    }

    public String nodeId() {
        return settings.nodeId();
    }

    public String leaderId() {
        Address leader = raft == null ? null : raft.leader();
        return leader == null ? null : leader.toString();
    }

    public boolean isLeader() {
        return raft != null && raft.isLeader();
    }

    public String role() {
        return raft.raft().role();
    }

    public long term() {
        return raft.currentTerm();
    }

    public long commitIndex() {
        return raft.commitIndex();
    }

    public long lastApplied() {
        return raft.lastApplied();
    }

    /** Waits until some member is leader (elections finish within a few seconds of a majority being reachable). */
    public boolean awaitLeader(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline) {
            if (leaderId() != null) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        handlers.shutdownNow();
        if (channel != null) {
            channel.close();
        }
    }

    /**
     * Stops like a killed process (tests only): no leave message, the transport's sockets just close, and the others find
     * out through failure detection.
     */
    void crash() throws Exception {
        ticker.shutdownNow();
        handlers.shutdownNow();
        if (channel != null) {
            org.jgroups.util.Util.shutdown(channel);
        }
    }

    /** The leader answered a join with a refusal (e.g. no or a wrong join token): retrying cannot help. */
    public static final class JoinRefusedException extends IllegalStateException {
        JoinRefusedException(String message) {
            super(message);
        }
    }
}
