package io.galleonfs.api;

import java.util.List;
import java.util.Map;

/**
 * Body of {@code PUT /api/v1/volumes/{ref}/labels}: labels to add or overwrite ({@code set}) and keys to remove
 * ({@code remove}); a key may not be in both. Either may be absent.
 */
public record VolumeLabelsRequest(Map<String, String> set, List<String> remove) {
}
