package io.galleonfs.node.rest;

import io.galleonfs.api.DaemonAction;
import io.galleonfs.api.DaemonConfigInfo;
import io.galleonfs.api.DaemonStatus;
import io.galleonfs.node.daemon.DaemonLifecycle;
import jakarta.inject.Provider;
import io.galleonfs.node.daemon.StorageSpace;
import io.galleonfs.node.daemon.StorageUsage;
import io.vertx.core.http.HttpServerResponse;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** {@code /api/v1/daemon}: status, effective configuration, stop and restart of this node. */
@Path("/api/v1/daemon")
@Produces(MediaType.APPLICATION_JSON)
public class DaemonResource {

    @Inject
    Provider<io.galleonfs.node.config.NodeConfig> config;

    @Inject
    io.galleonfs.node.daemon.NodeStatus status;

    @Inject
    Provider<io.galleonfs.node.meta.MetadataStore> metadata;

    @Inject
    Provider<io.galleonfs.node.volume.qos.CapacityService> capacity;

    @Inject
    DaemonLifecycle lifecycle;

    @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
    String version;

    @GET
    @Path("/status")
    public DaemonStatus status() {
        Instant started = status.startedAt();
        if (started == null) {
            throw new io.galleonfs.node.volume.GalleonException(io.galleonfs.node.volume.GalleonException.Kind.UNAVAILABLE,
                    "the node is still starting");
        }
        io.galleonfs.node.config.NodeConfig c = config.get();
        StorageUsage usage = StorageUsage.of(c.storagePath());
        StorageSpace space = status.space();
        return new DaemonStatus(version, status.nodeId(), ProcessHandle.current().pid(), started.toString(),
                Duration.between(started, Instant.now()).toSeconds(), metadata.get().state().volumes().size(),
                c.storagePath().toString(), usage.usedBytes(), usage.freeBytes(), c.ipcAddress().toString(), c.bindAddress().toString(),
                space.capacityBytes(), space.reservedBytes(), space.provisionedBytes(), space.overcommit(), space.writesRefused());
    }

    @GET
    @Path("/config")
    public DaemonConfigInfo config() {
        return config.get().toInfo();
    }

    /** This node's IOPS capacity for QoS reservations (configured, calibrated or none). */
    @GET
    @Path("/capacity")
    public io.galleonfs.api.NodeCapacityInfo capacity() {
        return capacity.get().info();
    }

    /**
     * Measures this node's 4 KiB random IOPS with a short I/O test through the engine (a temporary volume, warm-up plus
     * {@code seconds}), stores it and applies it to the reservation scheduler. Admin only (a {@code /daemon/} change).
     * Blocking on a worker thread for the run's duration.
     */
    @POST
    @Path("/calibrate")
    public io.galleonfs.api.NodeCapacityInfo calibrate(@jakarta.ws.rs.QueryParam("seconds") @jakarta.ws.rs.DefaultValue("3") int seconds) {
        return capacity.get().calibrate(seconds);
    }

    @POST
    @Path("/stop")
    public DaemonAction stop(@Context HttpServerResponse response) {
        response.bodyEndHandler(v -> lifecycle.stop());
        return new DaemonAction("stopping", ProcessHandle.current().pid(), "the daemon shuts down gracefully");
    }

    @POST
    @Path("/restart")
    public DaemonAction restart(@Context HttpServerResponse response) {
        long successor = lifecycle.startSuccessor();
        response.bodyEndHandler(v -> lifecycle.stop());
        return new DaemonAction("restarting", successor,
                "a new daemon (pid " + successor + ") with the same configuration starts once this one has stopped");
    }
}
