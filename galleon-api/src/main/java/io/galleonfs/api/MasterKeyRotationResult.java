package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Result of {@code key rotate} (or {@code key destroy-old}) on one node: the data keys of {@code rewrapped} volumes are
 * now wrapped by {@code new_key}; {@code retired_keys} are still held (destroy them once satisfied), {@code
 * destroyed_keys} are gone.
 */
public record MasterKeyRotationResult(String node, String provider, @JsonProperty("previous_key") String previousKey,
                                      @JsonProperty("new_key") String newKey, int rewrapped,
                                      @JsonProperty("retired_keys") List<String> retiredKeys,
                                      @JsonProperty("destroyed_keys") List<String> destroyedKeys) {
}
