package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Body of {@code cluster join}: a member's bind address (HOST:PORT) and, for a cluster founded by a node that left
 * another one, its cluster name (default "galleonfs"; {@code cluster status} shows it).
 */
public record JoinRequest(String address, @JsonProperty("cluster_name") String clusterName) {
}
