package io.galleonfs.node.rest;

import io.galleonfs.node.daemon.NodeServices;
import jakarta.inject.Provider;
import io.galleonfs.node.policy.HookRunner;
import io.galleonfs.node.policy.VolumeFreezer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;

/** The node's one hook runner, volume freezer (its freezes and their thaw timers) and policy listing, for the REST adapters. */
@ApplicationScoped
public class PolicyBeans {
    @Inject
    Provider<NodeServices.Self> self;

    private final HookRunner hooks = new HookRunner();
    private final io.galleonfs.node.policy.PolicyListing listing = new io.galleonfs.node.policy.PolicyListing();
    private volatile VolumeFreezer freezer;

    HookRunner hooks() {
        return hooks;
    }

    io.galleonfs.node.policy.PolicyListing listing() {
        return listing;
    }

    /** Made at first use: the node id is known only once the node has started. */
    synchronized VolumeFreezer freezer() {
        if (freezer == null) {
            freezer = new VolumeFreezer(self.get().nodeId(), Clock.systemUTC());
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
