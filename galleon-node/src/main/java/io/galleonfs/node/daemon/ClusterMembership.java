package io.galleonfs.node.daemon;

import io.galleonfs.node.config.HostPort;

/**
 * Moves this node between clusters at runtime ({@code galleonfs cluster join/leave}): the node replaces its cluster
 * member and metadata, so this is the node's own operation, not a service's.
 */
public interface ClusterMembership {
    /** Joins the cluster {@code peer} belongs to; only an empty node may (its metadata is replaced). */
    void joinCluster(HostPort peer, String clusterName) throws Exception;

    /** Leaves the cluster, after moving this node's copies elsewhere unless {@code force}. */
    void leaveCluster(boolean force) throws Exception;
}
