package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The on-disk format of an engine root, recorded in {@code <root>/format} ({@code "galleonfs-engine <format>\n"}), so that
 * a build never reads storage written in a format it does not know: it refuses with one line instead.
 *
 * <p>{@link #LAYERS_V1} is this engine's format (journal + layer files). Roots created before the file existed hold the
 * same format: they get the file on their next open. A root recording another format (a newer build's log-structured
 * store, issue 18) is refused: nothing in it is touched.
 */
public final class StorageFormat {
    public static final String LAYERS_V1 = "layers-v1";
    static final String FILE = "format";
    private static final String PREFIX = "galleonfs-engine ";

    private StorageFormat() {
    }

    /**
     * Checks the format of {@code root} before the engine opens it, and records {@link #LAYERS_V1} when the root is new
     * or predates the format file.
     *
     * @throws UnsupportedStorageFormatException when the root records another format, or a format file this build
     *                                           cannot read
     */
    static void checkOrRecord(Path root) throws IOException {
        if (!Files.exists(root.resolve(FILE))) {
            Files.createDirectories(root);
            AtomicFiles.write(root.resolve(FILE), ByteBuffer.wrap((PREFIX + LAYERS_V1 + "\n").getBytes(StandardCharsets.UTF_8)));
            return;
        }
        requireSupported(root);
    }

    /**
     * Refuses a root this build cannot read, changing nothing (the daemon's preflight, before anything starts); a root
     * without a format file passes.
     *
     * @throws UnsupportedStorageFormatException with one readable line
     */
    public static void requireSupported(Path root) throws IOException {
        Path file = root.resolve(FILE);
        if (!Files.exists(file)) {
            return;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (!text.startsWith(PREFIX)) {
            throw new UnsupportedStorageFormatException("engine storage " + root + " has a format file this build cannot read ('"
                    + abbreviate(text) + "'); it was not written by GalleonFS or it is damaged: nothing was changed");
        }
        String format = text.substring(PREFIX.length()).trim();
        if (!format.equals(LAYERS_V1)) {
            throw new UnsupportedStorageFormatException("engine storage " + root + " is in format " + format
                    + ", which this build does not read (it reads " + LAYERS_V1 + "): start it with the GalleonFS build that"
                    + " wrote it; nothing was changed");
        }
    }

    /** The format {@code root} records, or null when it has no format file. */
    public static String of(Path root) throws IOException {
        Path file = root.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8).trim();
        return text.startsWith(PREFIX) ? text.substring(PREFIX.length()).trim() : text;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    /** The engine root is in a format this build does not read. */
    public static final class UnsupportedStorageFormatException extends EngineException {
        UnsupportedStorageFormatException(String message) {
            super(message);
        }
    }
}
