package io.galleonfs.node.rest;

import io.galleonfs.node.daemon.NodeStatus;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once metadata is loaded and services are up. */
@Readiness
public class NodeReadiness implements HealthCheck {
    @Inject
    NodeStatus status;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("galleonfs-node").status(status.ready())
                .withData("node_id", String.valueOf(status.nodeId())).build();
    }
}
