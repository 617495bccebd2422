package io.galleonfs.engine;

import java.util.List;
import java.util.Map;

/**
 * The master keys of one engine.
 *
 * @param currentKeyId   wraps new data keys
 * @param heldKeyIds     every key the provider holds, oldest first (one for providers that do not rotate)
 * @param volumesByKeyId encrypted volumes per wrapping key id
 * @param rotatable      whether {@link BlockEngine#rotateMasterKey()} can create a new key with this provider
 */
public record MasterKeyStatus(String currentKeyId, List<String> heldKeyIds, Map<String, Integer> volumesByKeyId,
                              boolean rotatable) {
}
