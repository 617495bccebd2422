package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * A node's master keys: the provider ({@code file}, {@code pkcs11}, {@code command}), the current key, every key held
 * (older ones until destroyed) and how many encrypted volumes each wraps. Key ids name keys; they are not secrets.
 */
public record MasterKeyInfo(String node, String provider, @JsonProperty("current_key") String currentKey,
                            @JsonProperty("held_keys") List<String> heldKeys,
                            @JsonProperty("volumes_by_key") Map<String, Integer> volumesByKey, boolean rotatable) {
}
