package io.galleonfs.node.rest;

import io.galleonfs.node.daemon.NodeRuntime;
import io.galleonfs.node.policy.HookRunner;
import io.galleonfs.node.policy.VolumeFreezer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;

/** The node's one hook runner and volume freezer (its freezes and their thaw timers), for the REST adapters. */
@ApplicationScoped
public class PolicyBeans {
    @Inject
    NodeRuntime node;

    private final HookRunner hooks = new HookRunner();
    private volatile VolumeFreezer freezer;

    HookRunner hooks() {
        return hooks;
    }

    /** Made at first use: the node id is known only once the node has started. */
    synchronized VolumeFreezer freezer() {
        if (freezer == null) {
            freezer = new VolumeFreezer(node.nodeId(), Clock.systemUTC());
        }
        return freezer;
    }

    @PreDestroy
    synchronized void close() {
        if (freezer != null) {
            freezer.close();
        }
    }
}
