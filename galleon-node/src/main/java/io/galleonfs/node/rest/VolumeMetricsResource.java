package io.galleonfs.node.rest;

import io.galleonfs.node.daemon.NodeServices;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.volume.VolumeDataService;
import io.galleonfs.node.volume.VolumeService;
import io.galleonfs.node.volume.metrics.ClusterIoCollector;
import jakarta.inject.Provider;
import io.galleonfs.api.VolumeMetrics;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.metrics.VolumeMeter;
import io.galleonfs.node.volume.metrics.VolumeMetricsReport;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * A volume's I/O figures on this node (the node where the I/O entered): a snapshot and a once-a-second stream. Both
 * read in-memory counters only, so nothing blocks. A class of its own under {@code .../{ref}/metrics}: JAX-RS picks the
 * class by its path first, and {@code VolumeDataResource} ({@code /api/v1/volumes/{ref}}) would otherwise win and answer 404.
 */
@Path("/api/v1/volumes/{ref}/metrics")
@Produces(MediaType.APPLICATION_JSON)
public class VolumeMetricsResource {
    @Inject
    VolumeRefs refs;

    @Inject
    Provider<ClusterIoCollector> clusterIo;

    @Inject
    Provider<VolumeDataService> dataService;

    @Inject
    Provider<MetadataStore> metadataStore;

    @Inject
    Provider<VolumeService> volumeService;

    @Inject
    Provider<NodeServices.Self> self;

    @GET
    public VolumeMetrics volume(@PathParam("ref") String ref) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        return report(volumeService.get().get(ref));
    }

    /**
     * Server-sent events, one snapshot a second (the first at once); ends when the volume is deleted. With
     * {@code cluster=true} each snapshot is the volume's I/O summed over every node it entered through, assembled like
     * {@code /api/v1/metrics/cluster} (its peers asked over the data plane).
     */
    @GET
    @Path("/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<VolumeMetrics> stream(@PathParam("ref") String ref, @QueryParam("cluster") boolean cluster) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        UUID id = volumeService.get().get(ref).id();
        if (cluster) {
            String wanted = id.toString();
            return Multi.createFrom().ticks().startingAfter(Duration.ofMillis(1)).every(Duration.ofSeconds(1))
                    .onOverflow().drop()
                    .onItem().transformToUniAndConcatenate(tick -> io.smallrye.mutiny.Uni.createFrom()
                            .completionStage(() -> clusterIo.get().collect(wanted::equals)))
                    .onItem().transform(c -> new ClusterTick(c, metadataStore.get().state().volume(id)))
                    .select().first(t -> t.volume().isPresent())
                    .onItem().transform(t -> t.figures(wanted));
        }
        // Ticks come from Mutiny's worker pool, not the event loop; a slow client loses ticks instead of queueing them.
        // (Mutiny needs a positive initial delay; 1 ms makes the first event practically immediate.)
        return Multi.createFrom().ticks().startingAfter(Duration.ofMillis(1)).every(Duration.ofSeconds(1))
                .onOverflow().drop()
                .onItem().transform(tick -> metadataStore.get().state().volume(id))
                .select().first(Optional::isPresent)
                .onItem().transform(v -> report(v.get()));
    }

    /** One tick of the cluster stream: the cluster's figures for the volume, and the volume as metadata has it now. */
    private record ClusterTick(io.galleonfs.api.ClusterIoMetrics cluster, Optional<VolumeRecord> volume) {
        /** The volume's summed figures; idle, as the per-node stream gives, while no node has a meter for it. */
        VolumeMetrics figures(String id) {
            VolumeRecord v = volume.orElseThrow();
            return cluster.volumes().stream().filter(m -> m.volumeId().equals(id)).findFirst()
                    .orElseGet(() -> VolumeMetricsReport.idle(v.id(), v.name(), cluster.answeredBy(), cluster.timestampMillis(), v.namespace()));
        }
    }

    private VolumeMetrics report(VolumeRecord v) {
        long now = System.currentTimeMillis();
        Optional<VolumeMeter> meter = dataService.get().meters().find(v.id());
        return meter.map(m -> VolumeMetricsReport.of(m, self.get().nodeId(), now, v.namespace()))
                .orElseGet(() -> VolumeMetricsReport.idle(v.id(), v.name(), self.get().nodeId(), now, v.namespace()));
    }
}
