package io.galleonfs.node.rest;

import io.galleonfs.api.VolumeMetrics;
import io.galleonfs.node.daemon.NodeRuntime;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.metrics.VolumeMeter;
import io.galleonfs.node.volume.metrics.VolumeMetricsReport;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * Per-volume I/O figures of this node (the node where the I/O entered): a snapshot, a once-a-second stream and the
 * busiest volumes. Everything here reads in-memory counters, so nothing blocks.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class VolumeMetricsResource {
    static final int MAX_LIMIT = 1000;

    @Inject
    NodeRuntime node;

    @GET
    @Path("/volumes/{ref}/metrics")
    public VolumeMetrics volume(@PathParam("ref") String ref) {
        return report(node.volumes().get(ref));
    }

    /** Server-sent events, one snapshot a second (the first at once); ends when the volume is deleted. */
    @GET
    @Path("/volumes/{ref}/metrics/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<VolumeMetrics> stream(@PathParam("ref") String ref) {
        UUID id = node.volumes().get(ref).id();
        // Ticks come from Mutiny's worker pool, not the event loop; a slow client loses ticks instead of queueing them.
        return Multi.createFrom().ticks().startingAfter(Duration.ZERO).every(Duration.ofSeconds(1))
                .onOverflow().drop()
                .onItem().transform(tick -> node.metadata().state().volume(id))
                .select().first(Optional::isPresent)
                .onItem().transform(v -> report(v.get()));
    }

    /** The volumes with I/O through this node, busiest first: sort by iops, throughput, latency (p99) or name. */
    @GET
    @Path("/metrics/volumes")
    public List<VolumeMetrics> top(@QueryParam("sort") @DefaultValue("iops") String sort,
                                   @QueryParam("limit") @DefaultValue("20") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw GalleonException.badRequest("limit must be between 1 and " + MAX_LIMIT);
        }
        Comparator<VolumeMetrics> order = order(sort);
        long now = System.currentTimeMillis();
        return node.data().meters().all().stream()
                .map(m -> VolumeMetricsReport.of(m, node.nodeId(), now))
                .sorted(order.thenComparing(VolumeMetrics::volume))
                .limit(limit).toList();
    }

    private static Comparator<VolumeMetrics> order(String sort) {
        return switch (sort) {
            case "iops" -> Comparator.comparingDouble((VolumeMetrics m) -> m.lastSecond().iops()).reversed();
            case "throughput" -> Comparator.comparingDouble((VolumeMetrics m) -> m.lastSecond().readMbPerSecond()
                    + m.lastSecond().writeMbPerSecond()).reversed();
            case "latency" -> Comparator.comparingDouble((VolumeMetrics m) -> Math.max(m.lastSecond().readLatency().p99Ms(),
                    m.lastSecond().writeLatency().p99Ms())).reversed();
            case "name" -> Comparator.comparing(VolumeMetrics::volume);
            default -> throw GalleonException.badRequest("sort must be one of iops, throughput, latency, name");
        };
    }

    private VolumeMetrics report(VolumeRecord v) {
        long now = System.currentTimeMillis();
        Optional<VolumeMeter> meter = node.data().meters().find(v.id());
        return meter.map(m -> VolumeMetricsReport.of(m, node.nodeId(), now))
                .orElseGet(() -> VolumeMetricsReport.idle(v.id(), v.name(), node.nodeId(), now));
    }
}
