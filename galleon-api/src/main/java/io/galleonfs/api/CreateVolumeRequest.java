package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Body of {@code POST /api/v1/volumes}. The size is a string with the seed's K/M/G/T suffixes ("1G") or a plain byte
 * count. Absent fields take the seed's defaults: persistent, 1G, encrypted-storage, the class's replica count,
 * ReadWriteOnce, namespace {@code default}, no labels.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreateVolumeRequest(
        String name,
        @JsonProperty("volume_type") String volumeType,
        String size,
        @JsonProperty("storage_class") String storageClass,
        Integer replicas,
        @JsonProperty("access_mode") String accessMode,
        String namespace,
        java.util.Map<String, String> labels) {

    public CreateVolumeRequest(String name, String volumeType, String size, String storageClass, Integer replicas, String accessMode) {
        this(name, volumeType, size, storageClass, replicas, accessMode, null, null);
    }

    public CreateVolumeRequest(String name, String volumeType, String size, String storageClass, Integer replicas, String accessMode,
                               String namespace) {
        this(name, volumeType, size, storageClass, replicas, accessMode, namespace, null);
    }
}
