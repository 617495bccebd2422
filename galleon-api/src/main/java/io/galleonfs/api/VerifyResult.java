package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Answer to {@code volume verify}: every stored block was read and checked against its CRC32C. */
public record VerifyResult(String volume, @JsonProperty("blocks_checked") long blocksChecked,
                           @JsonProperty("bad_blocks") List<Long> badBlocks, boolean healthy) {
}
