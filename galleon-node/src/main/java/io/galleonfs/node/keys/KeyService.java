package io.galleonfs.node.keys;

import io.galleonfs.api.MasterKeyInfo;
import io.galleonfs.api.MasterKeyRotationResult;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.MasterKeyRotation;
import io.galleonfs.engine.MasterKeyStatus;
import io.galleonfs.node.volume.GalleonException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * This node's master keys: status, rotation and destruction of retired keys. Acts on this node only: every node wraps
 * the data keys of its own copies with its own master key (a replica's engine volume gets its own data key; blocks
 * travel between nodes in plaintext over the, TLS when enabled, data plane), so there is nothing to rewrap elsewhere.
 */
public final class KeyService {
    private final String nodeId;
    private final String provider;
    private final BlockEngine engine;

    public KeyService(String nodeId, String provider, BlockEngine engine) {
        this.nodeId = nodeId;
        this.provider = provider;
        this.engine = engine;
    }

    public MasterKeyInfo status() {
        MasterKeyStatus s = engine.keyStatus();
        return new MasterKeyInfo(nodeId, provider, s.currentKeyId(), s.heldKeyIds(), s.volumesByKeyId(), s.rotatable());
    }

    /** Rotates, then (with {@code destroyOld}) destroys the keys that wrap nothing any more. */
    public MasterKeyRotationResult rotate(boolean destroyOld) {
        requireRotatable();
        try {
            MasterKeyRotation r = engine.rotateMasterKey();
            List<String> destroyed = destroyOld ? engine.destroyRetiredKeys() : List.of();
            List<String> retired = r.retiredKeyIds().stream().filter(k -> !destroyed.contains(k)).toList();
            return new MasterKeyRotationResult(nodeId, provider, r.previousKeyId(), r.newKeyId(), r.rewrapped(), retired, destroyed);
        } catch (EngineException e) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "master key rotation on node " + nodeId
                    + " did not finish: " + e.getMessage() + "; every volume stays readable with the key that wraps it,"
                    + " run 'galleonfs key rotate' again");
        } catch (IOException e) {
            throw new UncheckedIOException("master key rotation failed", e);
        }
    }

    /** Destroys every held key but the current one, refused while a volume is still wrapped by one of them. */
    public MasterKeyRotationResult destroyRetired() {
        requireRotatable();
        try {
            String current = engine.keyStatus().currentKeyId();
            List<String> destroyed = engine.destroyRetiredKeys();
            return new MasterKeyRotationResult(nodeId, provider, current, current, 0, List.of(), destroyed);
        } catch (EngineException e) {
            throw new GalleonException(GalleonException.Kind.CONFLICT, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("destroying retired master keys failed", e);
        }
    }

    private void requireRotatable() {
        if (!engine.keyStatus().rotatable()) {
            throw new GalleonException(GalleonException.Kind.CONFLICT, "the " + provider + " key provider does not rotate"
                    + " master keys from GalleonFS: rotate the key in the key service behind the command; wrapped keys"
                    + " name the key version they need");
        }
    }
}
