package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Answer to {@code volume scrub}: every allocated block was compared across the copies; divergent ones were rewritten. */
public record ScrubResult(String volume, @JsonProperty("blocks_checked") long blocksChecked,
                          @JsonProperty("blocks_repaired") long blocksRepaired) {
}
