package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Answer of {@code POST /volumes/{ref}/freeze} and {@code /thaw}: the file-system-mode mount paths of the volume on
 * the answering node that are (freeze) or were (thaw) frozen. {@code thaw_by} is when a freeze ends by itself if
 * nobody thaws it; {@code was_frozen} (thaw) is false when the freeze had already ended by its timeout.
 */
public record FreezeResult(String volume, String node, List<String> paths, @JsonProperty("thaw_by") String thawBy,
                           @JsonProperty("was_frozen") Boolean wasFrozen) {
}
