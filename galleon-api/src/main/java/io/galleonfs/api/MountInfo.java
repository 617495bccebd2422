package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One mount of a volume: where, with which options, on which node. {@code state} is {@code mounted}, {@code pending},
 * {@code failed: <why>} or {@code unmounted} as the answering node knows it, or {@code remote} for another node's mount.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MountInfo(String id, String path, List<String> options, String node,
                        @JsonProperty("volume_id") String volumeId,
                        @JsonProperty("volume_name") String volumeName,
                        String state) {

    public boolean readOnly() {
        return options != null && options.contains("ro");
    }
}
