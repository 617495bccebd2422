package io.galleonfs.node.rest;

import io.galleonfs.node.volume.VolumeService;
import io.galleonfs.node.volume.metrics.ClusterIoCollector;
import jakarta.inject.Provider;
import io.galleonfs.api.ClusterIoMetrics;
import io.galleonfs.node.auth.NamespaceScope;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Predicate;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * {@code /api/v1/metrics/cluster}: the cluster's I/O of the last second, assembled by this node from every member's
 * figures (asked over the data plane, see {@code ClusterIoCollector}), as a snapshot and once a second as server-sent
 * events. Non-blocking: the answers are futures, their parsing runs on worker threads. A caller limited to namespaces
 * sees only their volumes (and node figures summed over those). A class of its own: JAX-RS picks the class by its
 * path first, and {@code /api/v1/metrics} would otherwise answer 404 for it.
 */
@Path("/api/v1/metrics/cluster")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterMetricsResource {
    @Inject
    Provider<ClusterIoCollector> clusterIo;

    @Inject
    Provider<VolumeService> volumeService;

    @Inject
    Caller caller;

    @GET
    public Uni<ClusterIoMetrics> snapshot() {
        Predicate<String> visible = visible(caller.scope());
        return Uni.createFrom().completionStage(() -> clusterIo.get().collect(visible));
    }

    /** One event a second (the first at once); a slow client loses ticks, and a tick waits at most for the peers' time-out. */
    @GET
    @Path("/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<ClusterIoMetrics> stream() {
        // The caller's scope is read now, on the request: the ticks run outside it.
        Predicate<String> visible = visible(caller.scope());
        return Multi.createFrom().ticks().startingAfter(Duration.ofMillis(1)).every(Duration.ofSeconds(1))
                .onOverflow().drop()
                .onItem().transformToUniAndConcatenate(tick -> Uni.createFrom().completionStage(() -> clusterIo.get().collect(visible)));
    }

    /** A volume is visible when the caller may see all, or its namespace (from metadata: gone volumes are not) is the caller's. */
    private Predicate<String> visible(NamespaceScope scope) {
        if (scope.unrestricted()) {
            return id -> true;
        }
        return id -> {
            try {
                return volumeService.get().namespaceOf(UUID.fromString(id)).filter(scope::allows).isPresent();
            } catch (IllegalArgumentException e) {
                return false;
            }
        };
    }
}
