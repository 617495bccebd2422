package io.galleonfs.node.rest;

import io.galleonfs.api.ClusterStatus;
import io.galleonfs.api.JoinRequest;
import io.galleonfs.api.PeerInfo;
import io.galleonfs.node.cluster.ClusterNode;
import io.galleonfs.node.cluster.MemberView;
import io.galleonfs.node.config.HostPort;
import jakarta.inject.Provider;
import io.galleonfs.node.meta.NodeRecord;
import io.galleonfs.node.volume.GalleonException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code /api/v1/cluster}: membership, leader and Raft progress; join and leave. */
@Path("/api/v1/cluster")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterResource {

    @Inject
    Provider<io.galleonfs.node.cluster.ClusterNode> cluster;

    @Inject
    Provider<io.galleonfs.node.meta.MetadataStore> metadata;

    @Inject
    Provider<io.galleonfs.node.config.NodeConfig> config;

    @Inject
    Provider<io.galleonfs.node.volume.TokenService> tokens;

    @Inject
    io.galleonfs.node.daemon.ClusterMembership membership;

    @GET
    @Path("/status")
    public ClusterStatus status() {
        ClusterNode c = cluster.get();
        return new ClusterStatus(metadata.get().state().clusterId(), c.clusterName(), c.leaderId(), c.nodeId(), c.role(), c.term(),
                c.commitIndex(), c.lastApplied(), peers());
    }

    @GET
    @Path("/peers")
    public List<PeerInfo> peers() {
        var state = metadata.get().state();
        return cluster.get().members().stream().map(m -> {
            Optional<NodeRecord> r = state.node(m.id());
            return new PeerInfo(m.id(), m.state(), m.leader(), m.raftVoter(), r.map(NodeRecord::bindAddress).orElse(null),
                    r.map(NodeRecord::ipcAddress).orElse(null), r.map(NodeRecord::zone).orElse(null),
                    r.map(NodeRecord::labels).orElse(Map.of()), m.capacityBytes(), m.freeBytes(), replicaCount(m),
                    m.reservedBytes(), m.provisionedBytes(),
                    io.galleonfs.node.daemon.StorageSpace.overcommit(m.provisionedBytes(), m.capacityBytes()), m.capacityIops(), m.capacityMbps());
        }).toList();
    }

    private int replicaCount(MemberView m) {
        return (int) metadata.get().state().volumes().stream().filter(v -> v.replicaNodes().contains(m.id())).count();
    }

    @POST
    @Path("/join")
    @Consumes(MediaType.APPLICATION_JSON)
    public ClusterStatus join(JoinRequest request) throws Exception {
        if (request == null || request.address() == null) {
            throw GalleonException.badRequest("request body is required: {\"address\": \"HOST:PORT\"}");
        }
        HostPort peer;
        try {
            peer = HostPort.parse("cluster address", request.address());
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        if (peer.equals(config.get().bindAddress()) || peer.equals(config.get().advertisedBindAddress())) {
            throw GalleonException.badRequest("cannot join through this node's own bind address " + peer);
        }
        try {
            membership.joinCluster(peer, request.clusterName() == null || request.clusterName().isBlank()
                    ? io.galleonfs.node.cluster.ClusterSettings.DEFAULT_NAME : request.clusterName());
        } catch (IllegalStateException e) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, e.getMessage());
        }
        return status();
    }

    /** A join token (admin): printed once; new nodes present it with --join-token. */
    @POST
    @Path("/join-tokens")
    @Consumes(MediaType.APPLICATION_JSON)
    public jakarta.ws.rs.core.Response createJoinToken(io.galleonfs.api.CreateJoinTokenRequest request) {
        Optional<String> pin = caFingerprint(); // first: a token must not be created when its answer cannot be given
        var created = tokens.get().createJoinToken(request == null ? null : request.ttl());
        return jakarta.ws.rs.core.Response.status(201).header("Cache-Control", "no-store")
                .entity(new io.galleonfs.api.JoinTokenInfo(created.token().id(),
                        io.galleonfs.node.auth.JoinCredential.format(created.secret(), pin),
                        java.time.Instant.ofEpochMilli(created.token().expiresAtMillis()).toString(), pin.orElse(null))).build();
    }

    /** With TLS on, the cluster CA's SHA-256: a joiner pins it to know it talks to this cluster (JoinEnrollment). */
    private Optional<String> caFingerprint() {
        var files = io.galleonfs.node.tls.ClusterCa.of(config.get().storagePath());
        if (!Boolean.getBoolean(io.galleonfs.node.config.NodeConfig.PROPERTY_PREFIX + "tls_enabled")
                || !java.nio.file.Files.isRegularFile(files.caCert())) {
            return Optional.empty();
        }
        try {
            return Optional.of(io.galleonfs.node.tls.CaFingerprint.of(files));
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new GalleonException(GalleonException.Kind.STORAGE, "cannot read the cluster CA certificate " + files.caCert() + ": "
                    + e.getMessage());
        }
    }

    @POST
    @Path("/leave")
    @Consumes(MediaType.WILDCARD)
    public ClusterStatus leave(@QueryParam("force") boolean force) throws Exception {
        membership.leaveCluster(force);
        return status();
    }
}
