package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A named QoS policy (the seed's {@code QoSPolicy}) and who uses it: volumes that reference it ({@code volume set-qos})
 * and storage classes whose {@code qos_policy} parameter names it.
 */
public record QosPolicyInfo(QosPolicy policy, List<String> volumes, @JsonProperty("storage_classes") List<String> storageClasses) {
    public QosPolicyInfo {
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        storageClasses = storageClasses == null ? List.of() : List.copyOf(storageClasses);
    }
}
