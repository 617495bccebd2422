package io.galleonfs.node.rest;

import io.galleonfs.node.daemon.NodeServices;
import io.galleonfs.node.volume.VolumeDataService;
import io.galleonfs.node.volume.VolumeService;
import jakarta.inject.Provider;
import io.galleonfs.api.VolumeMetrics;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.metrics.VolumeMetricsReport;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Comparator;
import java.util.List;

/** The busiest volumes of this node (those with I/O through it), from in-memory counters. */
@Path("/api/v1/metrics")
@Produces(MediaType.APPLICATION_JSON)
public class TopVolumesResource {
    static final int MAX_LIMIT = 1000;

    @Inject
    Provider<VolumeDataService> dataService;

    @Inject
    Provider<VolumeService> volumeService;

    @Inject
    Provider<NodeServices.Self> self;

    @Inject
    Caller caller;

    /** The volumes with I/O through this node, busiest first: sort by iops, throughput, latency (p99) or name. */
    @GET
    @Path("/volumes")
    public List<VolumeMetrics> top(@QueryParam("sort") @DefaultValue("iops") String sort,
                                   @QueryParam("limit") @DefaultValue("20") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw GalleonException.badRequest("limit must be between 1 and " + MAX_LIMIT);
        }
        Comparator<VolumeMetrics> order = order(sort);
        long now = System.currentTimeMillis();
        var scope = caller.scope();
        // A meter whose volume is gone has no namespace any more: only unrestricted callers still see its figures.
        return dataService.get().meters().all().stream()
                .filter(m -> scope.unrestricted() || volumeService.get().namespaceOf(m.id()).filter(scope::allows).isPresent())
                .map(m -> VolumeMetricsReport.of(m, self.get().nodeId(), now,
                        volumeService.get().namespaceOf(m.id()).orElse(VolumeMetricsReport.NAMESPACE)))
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
}
