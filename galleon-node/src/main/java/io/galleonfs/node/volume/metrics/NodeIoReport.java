package io.galleonfs.node.volume.metrics;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.galleonfs.api.ClusterIoMetrics;
import io.galleonfs.api.VolumeMetrics;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;

/**
 * One node's I/O figures as it sends them to the node assembling the cluster's view: every volume's client I/O that
 * entered here (its meters) and the replica operations it applied. JSON inside a data-plane frame: the figures are the
 * API's own records, and a frame holds at most {@link #MAX_VOLUMES} of them (the busiest), well inside its 8 MiB.
 */
public record NodeIoReport(String node, List<VolumeMetrics> volumes, List<ClusterIoMetrics.ReplicaApply> apply) {
    /** About 1.3 kB of JSON each: 4,000 fit a frame with room to spare. */
    public static final int MAX_VOLUMES = 4_000;
    private static final ObjectMapper JSON = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    public NodeIoReport {
        volumes = volumes.size() <= MAX_VOLUMES ? List.copyOf(volumes)
                : volumes.stream().sorted(Comparator.comparingDouble((VolumeMetrics m) -> m.lastSecond().iops()).reversed())
                .limit(MAX_VOLUMES).toList();
        apply = List.copyOf(apply);
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("I/O report cannot be written as JSON", e);
        }
    }

    public static NodeIoReport fromJson(byte[] json) throws IOException {
        return JSON.readValue(json, NodeIoReport.class);
    }
}
