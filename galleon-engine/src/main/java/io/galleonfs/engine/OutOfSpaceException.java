package io.galleonfs.engine;

/**
 * The file system under the engine has no room for a write (ENOSPC), or the write would eat into the
 * reserve the node keeps for itself. Unlike other I/O failures this is recoverable: nothing of the refused
 * write was acknowledged, the journal is left consistent, and writes succeed again once space returns.
 */
public final class OutOfSpaceException extends EngineException {
    /** How the JDK words ENOSPC and EDQUOT; FileChannel reports both as plain IOExceptions. */
    private static final String[] NO_SPACE = {"No space left on device", "Disk quota exceeded"};

    public OutOfSpaceException(String message) {
        super(message);
    }

    public OutOfSpaceException(String message, Throwable cause) {
        super(message, cause);
    }

    /** True when {@code t} or one of its causes is an out-of-space condition. */
    public static boolean causedBy(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof OutOfSpaceException) {
                return true;
            }
            String message = c.getMessage();
            if (message != null) {
                for (String s : NO_SPACE) {
                    if (message.contains(s)) {
                        return true;
                    }
                }
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    /** {@code t} as an OutOfSpaceException, wrapping it when it is a plain ENOSPC IOException. */
    static OutOfSpaceException of(Throwable t, String context) {
        if (t instanceof OutOfSpaceException o) {
            return o;
        }
        return new OutOfSpaceException(context + ": no space left on the storage device", t);
    }
}
