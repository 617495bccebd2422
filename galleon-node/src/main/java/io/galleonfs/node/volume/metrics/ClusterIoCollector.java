package io.galleonfs.node.volume.metrics;

import io.galleonfs.api.ClusterIoMetrics;
import io.galleonfs.api.VolumeMetrics;
import io.galleonfs.api.VolumeMetricsMerge;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Assembles the cluster's I/O of the last second on the node a client asked: this node's own report, and every other
 * member's, asked in parallel over the data plane ({@link Peers}) with a short time-out. Nothing waits on a thread: the
 * answers are futures, and the local report and the parsing of the peers' run on {@code executor}, never on the event
 * loop that completes a peer's answer. A member that is down is not asked, one that does not answer in time is listed
 * with why; neither is dropped silently. Client I/O is each node's meters (a volume's I/O is metered once, on the node
 * it entered through), summed per volume; replication apply is listed apart.
 */
public final class ClusterIoCollector {
    /** A member of the cluster view: {@code state} up, suspect or down. */
    public record Member(String id, String state) {
    }

    /** Asks a peer for its {@link NodeIoReport} as JSON. */
    @FunctionalInterface
    public interface Peers {
        CompletableFuture<byte[]> ask(String nodeId, Duration timeout);
    }

    private record Answer(String node, String state, String error, NodeIoReport report) {
    }

    private final String self;
    private final Supplier<List<Member>> members;
    private final Supplier<NodeIoReport> local;
    private final Peers peers;
    private final Executor executor;
    private final Duration timeout;
    private final LongSupplier wallMillis;

    /** @param timeout how long a peer may take to answer; below the streams' one second, so a tick never waits for a dead node */
    public ClusterIoCollector(String self, Supplier<List<Member>> members, Supplier<NodeIoReport> local, Peers peers, Executor executor,
                              Duration timeout, LongSupplier wallMillis) {
        this.self = self;
        this.members = members;
        this.local = local;
        this.peers = peers;
        this.executor = executor;
        this.timeout = timeout;
        this.wallMillis = wallMillis;
    }

    /** The cluster's figures, limited to the volumes {@code visible} accepts (by volume id). */
    public CompletableFuture<ClusterIoMetrics> collect(Predicate<String> visible) {
        List<Member> view = new ArrayList<>(members.get());
        if (view.stream().noneMatch(m -> m.id().equals(self))) {
            view.add(new Member(self, "up"));
        }
        view.sort(Comparator.comparing(Member::id));
        List<CompletableFuture<Answer>> answers = new ArrayList<>();
        for (Member m : view) {
            answers.add(answer(m));
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                .thenApply(v -> assemble(answers.stream().map(CompletableFuture::join).toList(), visible));
    }

    private CompletableFuture<Answer> answer(Member m) {
        if (m.id().equals(self)) {
            return CompletableFuture.supplyAsync(() -> new Answer(self, ClusterIoMetrics.ANSWERED, null, local.get()), executor)
                    .exceptionally(t -> new Answer(self, ClusterIoMetrics.NO_ANSWER, describe(t), null));
        }
        if ("down".equals(m.state())) {
            return CompletableFuture.completedFuture(new Answer(m.id(), ClusterIoMetrics.DOWN, "outside the cluster view", null));
        }
        CompletableFuture<byte[]> asked;
        try {
            asked = peers.ask(m.id(), timeout);
        } catch (RuntimeException e) {
            asked = CompletableFuture.failedFuture(e);
        }
        // The transport has its own time-out; this one bounds a transport that never completes at all.
        return asked.orTimeout(timeout.toMillis() + 250, TimeUnit.MILLISECONDS)
                .thenApplyAsync(json -> {
                    try {
                        return new Answer(m.id(), ClusterIoMetrics.ANSWERED, null, NodeIoReport.fromJson(json));
                    } catch (IOException e) {
                        throw new CompletionException(new IOException("unreadable I/O report: " + e.getMessage(), e));
                    }
                }, executor)
                .exceptionally(t -> new Answer(m.id(), ClusterIoMetrics.NO_ANSWER, describe(t), null));
    }

    private String describe(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof TimeoutException) {
            return "no answer within " + timeout.toMillis() + " ms";
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }

    private ClusterIoMetrics assemble(List<Answer> answers, Predicate<String> visible) {
        List<ClusterIoMetrics.NodeIo> nodes = new ArrayList<>();
        List<List<VolumeMetrics>> perNode = new ArrayList<>();
        List<ClusterIoMetrics.ReplicaApply> apply = new ArrayList<>();
        for (Answer a : answers) {
            if (a.report() == null) {
                nodes.add(ClusterIoMetrics.NodeIo.without(a.node(), a.state(), a.error()));
                continue;
            }
            List<VolumeMetrics> volumes = a.report().volumes().stream().filter(m -> visible.test(m.volumeId())).toList();
            List<ClusterIoMetrics.ReplicaApply> applied = a.report().apply().stream().filter(r -> visible.test(r.volumeId()))
                    .map(r -> new ClusterIoMetrics.ReplicaApply(r.volume(), r.volumeId(), r.namespace(), a.node(), r.opsPerSecond(),
                            r.mbPerSecond(), r.opsTotal(), r.bytesTotal()))
                    .toList();
            perNode.add(volumes);
            apply.addAll(applied);
            double ri = 0, wi = 0, rmb = 0, wmb = 0;
            for (VolumeMetrics m : volumes) {
                ri += m.lastSecond().readIops();
                wi += m.lastSecond().writeIops();
                rmb += m.lastSecond().readMbPerSecond();
                wmb += m.lastSecond().writeMbPerSecond();
            }
            nodes.add(new ClusterIoMetrics.NodeIo(a.node(), ClusterIoMetrics.ANSWERED, null, volumes.size(), ri, wi, rmb, wmb,
                    applied.stream().mapToDouble(ClusterIoMetrics.ReplicaApply::opsPerSecond).sum(),
                    applied.stream().mapToDouble(ClusterIoMetrics.ReplicaApply::mbPerSecond).sum()));
        }
        List<VolumeMetrics> volumes = VolumeMetricsMerge.mergeAll(perNode).stream()
                .sorted(Comparator.comparingDouble((VolumeMetrics m) -> m.lastSecond().iops()).reversed().thenComparing(VolumeMetrics::volume))
                .toList();
        apply.sort(Comparator.comparing(ClusterIoMetrics.ReplicaApply::volume).thenComparing(ClusterIoMetrics.ReplicaApply::node));
        return new ClusterIoMetrics(wallMillis.getAsLong(), self, nodes, volumes, apply);
    }
}
