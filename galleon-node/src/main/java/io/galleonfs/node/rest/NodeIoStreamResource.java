package io.galleonfs.node.rest;

import io.galleonfs.node.daemon.NodeServices;
import io.galleonfs.node.volume.VolumeDataService;
import jakarta.inject.Provider;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.galleonfs.api.VolumeMetrics;
import io.galleonfs.node.volume.metrics.VolumeMetricsReport;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * {@code /api/v1/metrics/stream}: the I/O that entered this node over the last second, summed over its volumes, once a
 * second as server-sent events (the dashboard's overview chart). Reads in-memory counters only, like the per-volume
 * stream; it covers this node, because a volume's I/O is measured where it enters.
 */
@Path("/api/v1/metrics/stream")
public class NodeIoStreamResource {
    @Inject
    Provider<VolumeDataService> dataService;

    @Inject
    Provider<NodeServices.Self> self;

    public record NodeIo(String node, @JsonProperty("timestamp_millis") long timestampMillis, int volumes,
                         @JsonProperty("read_iops") double readIops, @JsonProperty("write_iops") double writeIops,
                         @JsonProperty("read_mb_per_second") double readMbPerSecond,
                         @JsonProperty("write_mb_per_second") double writeMbPerSecond) {
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<NodeIo> stream() {
        // Mutiny ticks run off the event loop; a slow client loses ticks instead of queueing them.
        return Multi.createFrom().ticks().startingAfter(Duration.ofMillis(1)).every(Duration.ofSeconds(1))
                .onOverflow().drop()
                .onItem().transform(tick -> sample());
    }

    NodeIo sample() {
        long now = System.currentTimeMillis();
        double ri = 0, wi = 0, rmb = 0, wmb = 0;
        int n = 0;
        for (var meter : dataService.get().meters().all()) {
            VolumeMetrics.Window w = VolumeMetricsReport.of(meter, self.get().nodeId(), now).lastSecond();
            ri += w.readIops();
            wi += w.writeIops();
            rmb += w.readMbPerSecond();
            wmb += w.writeMbPerSecond();
            n++;
        }
        return new NodeIo(self.get().nodeId(), now, n, ri, wi, rmb, wmb);
    }
}
