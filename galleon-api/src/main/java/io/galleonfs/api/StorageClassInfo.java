package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * A storage class in the seed's file format (snake_case keys), so the seed's JSON and YAML examples load unchanged.
 * {@code built_in} is set by the node; a value sent in is ignored.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StorageClassInfo(
        String name,
        String provisioner,
        Map<String, String> parameters,
        @JsonProperty("reclaim_policy") String reclaimPolicy,
        @JsonProperty("volume_binding_mode") String volumeBindingMode,
        @JsonProperty("allowed_topologies") List<String> allowedTopologies,
        @JsonProperty("mount_options") List<String> mountOptions,
        @JsonProperty("built_in") Boolean builtIn,
        QosPolicy qos) {

    /** A class without a QoS policy. */
    public StorageClassInfo(String name, String provisioner, Map<String, String> parameters, String reclaimPolicy,
                            String volumeBindingMode, List<String> allowedTopologies, List<String> mountOptions, Boolean builtIn) {
        this(name, provisioner, parameters, reclaimPolicy, volumeBindingMode, allowedTopologies, mountOptions, builtIn, null);
    }
}
