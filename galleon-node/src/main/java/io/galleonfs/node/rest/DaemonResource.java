package io.galleonfs.node.rest;

import io.galleonfs.api.DaemonAction;
import io.galleonfs.api.DaemonConfigInfo;
import io.galleonfs.api.DaemonStatus;
import io.galleonfs.node.daemon.DaemonLifecycle;
import io.galleonfs.node.daemon.NodeRuntime;
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
    NodeRuntime node;

    @Inject
    DaemonLifecycle lifecycle;

    @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
    String version;

    @GET
    @Path("/status")
    public DaemonStatus status() {
        StorageUsage usage = StorageUsage.of(node.config().storagePath());
        StorageSpace space = node.space();
        return new DaemonStatus(version, node.nodeId(), ProcessHandle.current().pid(), node.startedAt().toString(),
                Duration.between(node.startedAt(), Instant.now()).toSeconds(), node.metadata().state().volumes().size(),
                node.config().storagePath().toString(), usage.usedBytes(), usage.freeBytes(),
                node.config().ipcAddress().toString(), node.config().bindAddress().toString(),
                space.capacityBytes(), space.reservedBytes(), space.provisionedBytes(), space.overcommit(), space.writesRefused());
    }

    @GET
    @Path("/config")
    public DaemonConfigInfo config() {
        return node.config().toInfo();
    }

    /** This node's IOPS capacity for QoS reservations (configured, calibrated or none). */
    @GET
    @Path("/capacity")
    public io.galleonfs.api.NodeCapacityInfo capacity() {
        return node.capacity().info();
    }

    /**
     * Measures this node's 4 KiB random IOPS with a short I/O test through the engine (a temporary volume, warm-up plus
     * {@code seconds}), stores it and applies it to the reservation scheduler. Admin only (a {@code /daemon/} change).
     * Blocking on a worker thread for the run's duration.
     */
    @POST
    @Path("/calibrate")
    public io.galleonfs.api.NodeCapacityInfo calibrate(@jakarta.ws.rs.QueryParam("seconds") @jakarta.ws.rs.DefaultValue("3") int seconds) {
        return node.capacity().calibrate(seconds);
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
