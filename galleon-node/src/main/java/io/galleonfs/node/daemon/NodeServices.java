package io.galleonfs.node.daemon;

import io.galleonfs.node.config.NodeConfig;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.VolumeDataService;
import io.galleonfs.node.volume.VolumeService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

/**
 * Hands the services the node builds at start to the adapters (REST, NBD, FUSE, gRPC), so that an adapter names what it
 * uses instead of reaching into {@link NodeRuntime}. The services exist only once the node has started: adapters that
 * can be created earlier (REST resources, gRPC) inject a {@code Provider} and resolve it per call; one asked too early
 * answers 503. Adapters that must also answer while the node starts (readiness, authentication, audit) inject the narrow
 * views {@link NodeRuntime} implements instead: {@link NodeStatus}, {@link io.galleonfs.node.auth.ApiAccess}, and
 * {@link ClusterMembership} for the node's own join and leave.
 */
@ApplicationScoped
public class NodeServices {

    @Inject
    NodeRuntime node;

    @Produces
    @Dependent
    NodeConfig config() {
        return started(node.config());
    }

    @Produces
    @Dependent
    MetadataStore metadata() {
        return started(node.metadata());
    }

    @Produces
    @Dependent
    VolumeService volumes() {
        return started(node.volumes());
    }

    @Produces
    @Dependent
    VolumeDataService data() {
        return started(node.data());
    }

    @Produces
    @Dependent
    io.galleonfs.node.volume.BenchRunner bench() {
        return started(node.bench());
    }

    @Produces
    @Dependent
    io.galleonfs.node.volume.StorageClassService storageClasses() {
        return started(node.storageClasses());
    }

    @Produces
    @Dependent
    io.galleonfs.node.volume.qos.QosService qosService() {
        return started(node.qosService());
    }

    @Produces
    @Dependent
    io.galleonfs.node.volume.TokenService tokens() {
        return started(node.tokens());
    }

    @Produces
    @Dependent
    io.galleonfs.node.keys.KeyService keys() {
        return started(node.keys());
    }

    @Produces
    @Dependent
    io.galleonfs.node.volume.metrics.ClusterIoCollector clusterIo() {
        return started(node.clusterIo());
    }

    @Produces
    @Dependent
    io.galleonfs.node.cluster.ClusterNode cluster() {
        return started(node.cluster()); // replaced when the node joins or leaves a cluster: resolve per call
    }

    @Produces
    @Dependent
    io.galleonfs.node.volume.qos.CapacityService capacity() {
        return started(node.capacity());
    }

    @Produces
    @Dependent
    io.galleonfs.node.backup.BackupService backups() {
        return started(node.backups());
    }

    @Produces
    @Dependent
    io.galleonfs.node.backup.TargetService backupTargets() {
        return started(node.backupTargets());
    }

    @Produces
    @Dependent
    Self self() {
        return new Self(started(node.nodeId()), node.authRequired());
    }

    private static <T> T started(T service) {
        if (service == null) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "the node is still starting");
        }
        return service;
    }

    /** Who this node is and whether its API demands a token: facts fixed at start. */
    public record Self(String nodeId, boolean authRequired) {
    }
}
