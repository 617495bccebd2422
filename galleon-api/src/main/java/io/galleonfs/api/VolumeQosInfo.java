package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A volume's QoS: the policy in force ({@code effective}) and where it comes from: {@code volume} (its own override),
 * {@code storage_class} (the class's {@code qos}) or {@code none}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VolumeQosInfo(String volume, @JsonProperty("volume_id") String volumeId, String source,
                            @JsonProperty("storage_class") String storageClass, QosPolicy effective,
                            @JsonProperty("volume_override") QosPolicy volumeOverride,
                            @JsonProperty("class_policy") QosPolicy classPolicy) {
}
