package io.galleonfs.engine;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.List;

/**
 * A key provider that holds several master keys: the current one wraps, every held one unwraps, so volumes wrapped by
 * an older key keep opening while (and after) {@link BlockEngine#rotateMasterKey()} rewraps them.
 */
public interface RotatableKeyProvider extends KeyProvider {
    /** Creates a new master key and makes it current; it is durable before this returns. Returns its id. */
    String rotate() throws IOException, GeneralSecurityException;

    /** Every master key held, the current one included, oldest first. */
    List<String> keyIds();

    /** Destroys a held master key other than the current one; what it wrapped can no longer be unwrapped. */
    void destroy(String keyId) throws IOException, GeneralSecurityException;
}
