package io.galleonfs.node.replication;

import io.galleonfs.engine.Volume;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * A primary's local copy with a hook in front of its writes, so a contract test can hold one local write back (or fail
 * it) while the operations ordered after it run: the cases where a primary that applies writes outside its order lock
 * could let a later operation overtake an earlier one on its own copy.
 */
final class HeldLocalCopy {
    /** Runs before a write of the local copy reaches the engine; may block, or throw to fail that write. */
    @FunctionalInterface
    interface WriteHook {
        void beforeWrite(long offset) throws IOException;
    }

    private volatile WriteHook hook = offset -> {
    };

    void onWrite(WriteHook h) {
        hook = h;
    }

    Volume wrap(Volume delegate) {
        return (Volume) Proxy.newProxyInstance(Volume.class.getClassLoader(), new Class<?>[] {Volume.class}, (proxy, method, args) -> {
            if (method.getName().equals("write") && args != null && args.length == 3) {
                hook.beforeWrite((Long) args[0]);
            }
            try {
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}
