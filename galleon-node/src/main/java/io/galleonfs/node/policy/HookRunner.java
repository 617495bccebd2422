package io.galleonfs.node.policy;

import io.galleonfs.api.HookResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Runs a policy's command hook on this node: argv without a shell, standard input from /dev/null, the policy, volume
 * and mount paths in the environment, killed (with its children) at its timeout. Only the last {@link #TAIL} bytes of
 * each output stream are kept: enough for the reason a hook failed, bounded however much it prints.
 */
public final class HookRunner {
    private static final Logger LOG = Logger.getLogger(HookRunner.class);
    static final int TAIL = 4096;

    public HookResult run(String phase, String node, List<String> command, int timeoutSeconds, Map<String, String> env) {
        long start = System.nanoTime();
        Process p;
        try {
            ProcessBuilder b = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            b.environment().putAll(env);
            p = b.start();
        } catch (IOException e) {
            return new HookResult(phase, node, null, false, millis(start), "", "cannot start " + command.getFirst() + ": " + e.getMessage());
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> tail(p.getInputStream()), Thread::startVirtualThread);
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> tail(p.getErrorStream()), Thread::startVirtualThread);
        boolean done;
        try {
            done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        HookResult r = new HookResult(phase, node, done ? p.exitValue() : null, !done, millis(start), join(out), join(err));
        LOG.infof("%s hook %s on %s: %s in %d ms", phase, command.getFirst(), node,
                r.timedOut() ? "killed at its " + timeoutSeconds + " s timeout" : "exit " + r.exitCode(), r.durationMs());
        return r;
    }

    private static long millis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static String join(CompletableFuture<String> f) {
        try {
            return f.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // A grandchild kept the pipe open after the hook ended: its output is not waited for.
            return "";
        }
    }

    /** Reads the stream to its end keeping its last {@link #TAIL} bytes. */
    static String tail(InputStream in) {
        byte[] ring = new byte[TAIL];
        long total = 0;
        byte[] buf = new byte[8192];
        try (in) {
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    ring[(int) (total++ % TAIL)] = buf[i];
                }
            }
        } catch (IOException e) {
            // the process was killed: what was read so far is the tail
        }
        int len = (int) Math.min(total, TAIL);
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) {
            out[i] = ring[(int) ((total - len + i) % TAIL)];
        }
        return new String(out, StandardCharsets.UTF_8).strip();
    }
}
