package io.galleonfs.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Master key held by an external key service (any KMS), reached through a program the operator supplies:
 * {@code PROG wrap} and {@code PROG unwrap}, each reading one line of base64 on stdin and writing one line of base64
 * on stdout (the wrapped blob, or the 32-byte data key). Exit code 0 means success; anything else, or no answer
 * within the timeout, is an error naming the program and the first line it wrote to stderr.
 *
 * <p>The master key never enters this process, so this provider does not rotate it: rotate in the key service (the
 * blobs it returns name the key version they need) and run {@code galleonfs key rotate} only with a file or PKCS#11 key.
 */
public final class CommandKeyProvider implements KeyProvider {
    private static final int MAX_OUTPUT = 64 * 1024;
    private static final int DATA_KEY_BYTES = 32;

    private final List<String> command;
    private final Duration timeout;
    private final String id;

    private CommandKeyProvider(List<String> command, Duration timeout, String keyName) {
        this.command = List.copyOf(command);
        this.timeout = timeout;
        this.id = "command:" + keyName;
    }

    /**
     * @param command the program and its fixed arguments; {@code wrap} or {@code unwrap} is appended
     * @param keyName names the key in the descriptor's provider id ({@code command:<keyName>}); informational
     */
    public static CommandKeyProvider of(List<String> command, Duration timeout, String keyName) {
        if (command.isEmpty() || command.getFirst().isBlank()) {
            throw new IllegalArgumentException("the key command is empty");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the key command timeout must be positive");
        }
        return new CommandKeyProvider(command, timeout, keyName);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public byte[] wrap(byte[] dataKey) throws GeneralSecurityException {
        byte[] out = run("wrap", dataKey);
        if (out.length == 0) {
            throw new GeneralSecurityException("key command " + describe("wrap") + " returned an empty wrapped key");
        }
        return out;
    }

    @Override
    public byte[] unwrap(byte[] wrapped) throws GeneralSecurityException {
        byte[] key = run("unwrap", wrapped);
        if (key.length != DATA_KEY_BYTES) {
            Arrays.fill(key, (byte) 0);
            throw new GeneralSecurityException("key command " + describe("unwrap") + " returned " + key.length
                    + " bytes; a data key has " + DATA_KEY_BYTES);
        }
        return key;
    }

    private String describe(String verb) {
        return "'" + command.getFirst() + " " + verb + "'";
    }

    private byte[] run(String verb, byte[] input) throws GeneralSecurityException {
        List<String> argv = new ArrayList<>(command);
        argv.add(verb);
        Process p;
        try {
            p = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot start key command " + describe(verb) + ": " + e.getMessage(), e);
        }
        try {
            CompletableFuture<byte[]> stdout = drain(p.getInputStream());
            CompletableFuture<byte[]> stderr = drain(p.getErrorStream());
            try (OutputStream in = p.getOutputStream()) {
                in.write(Base64.getEncoder().encode(input));
                in.write('\n');
            } catch (IOException e) {
                // The program may exit without reading its input; its exit code says what happened.
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new GeneralSecurityException("key command " + describe(verb) + " did not finish within "
                        + timeout.toSeconds() + " s");
            }
            byte[] out = stdout.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (p.exitValue() != 0) {
                String err = new String(stderr.get(timeout.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8)
                        .lines().filter(l -> !l.isBlank()).findFirst().orElse("no message on stderr");
                throw new GeneralSecurityException("key command " + describe(verb) + " failed with exit code "
                        + p.exitValue() + ": " + (err.length() > 200 ? err.substring(0, 200) + "..." : err));
            }
            try {
                return Base64.getMimeDecoder().decode(new String(out, StandardCharsets.US_ASCII).trim());
            } catch (IllegalArgumentException e) {
                throw new GeneralSecurityException("key command " + describe(verb) + " did not print base64 on stdout");
            } finally {
                Arrays.fill(out, (byte) 0);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GeneralSecurityException("interrupted while waiting for key command " + describe(verb), e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new GeneralSecurityException("cannot read the output of key command " + describe(verb) + ": " + e, e);
        } finally {
            p.destroyForcibly();
        }
    }

    private static CompletableFuture<byte[]> drain(InputStream stream) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        Thread.ofVirtual().name("galleon-key-command").start(() -> {
            try (stream) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                byte[] chunk = new byte[4096];
                int n;
                while ((n = stream.read(chunk)) >= 0) {
                    if (buf.size() < MAX_OUTPUT) {
                        buf.write(chunk, 0, Math.min(n, MAX_OUTPUT - buf.size()));
                    }
                }
                result.complete(buf.toByteArray());
            } catch (IOException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
