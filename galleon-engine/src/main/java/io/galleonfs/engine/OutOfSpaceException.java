package io.galleonfs.engine;

/**
 * The file system under the engine has no room for a write (ENOSPC), or the write would eat into the
 * reserve the node keeps for itself. Unlike other I/O failures this is recoverable: nothing of the refused
 * write was acknowledged, the journal is left consistent, and writes succeed again once space returns.
 */
public final class OutOfSpaceException extends EngineException {
    /**
     * How the JDK words ENOSPC and EDQUOT (FileChannel reports both as plain IOExceptions), matched without case so
     * that this exception's own message also matches after it crossed the replication wire as text.
     */
    private static final String[] NO_SPACE = {"no space left", "disk quota exceeded"};

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
                String lower = message.toLowerCase(java.util.Locale.ROOT);
                for (String s : NO_SPACE) {
                    if (lower.contains(s)) {
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
