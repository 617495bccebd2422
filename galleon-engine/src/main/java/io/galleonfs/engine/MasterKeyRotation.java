package io.galleonfs.engine;

import java.util.List;

/**
 * The result of a rotation.
 *
 * @param previousKeyId the current key before
 * @param newKeyId      the current key now
 * @param rewrapped     volumes whose data key was rewrapped
 * @param retiredKeyIds keys still held but wrapping nothing now: destroy them with {@link BlockEngine#destroyRetiredKeys()}
 */
public record MasterKeyRotation(String previousKeyId, String newKeyId, int rewrapped, List<String> retiredKeyIds) {
}
