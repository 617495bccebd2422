package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A volume's QoS: the policy in force ({@code effective}) and where it comes from: {@code volume} (its own override),
 * {@code storage_class} (the class's {@code qos}) or {@code none}; with named policies also {@code policy} (the volume follows
 * the named policy {@code policy_name}) and {@code storage_class_policy} (its class's {@code qos_policy} parameter names it).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VolumeQosInfo(String volume, @JsonProperty("volume_id") String volumeId, String source,
                            @JsonProperty("storage_class") String storageClass, QosPolicy effective,
                            @JsonProperty("volume_override") QosPolicy volumeOverride,
                            @JsonProperty("class_policy") QosPolicy classPolicy,
                            @JsonProperty("policy_name") String policyName) {

    /** Without a named policy. */
    public VolumeQosInfo(String volume, String volumeId, String source, String storageClass, QosPolicy effective,
                         QosPolicy volumeOverride, QosPolicy classPolicy) {
        this(volume, volumeId, source, storageClass, effective, volumeOverride, classPolicy, null);
    }
}
