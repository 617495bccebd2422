package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The on-disk format of an engine root, recorded in {@code <root>/format} ({@code "galleonfs-engine <format>\n"}), so that
 * a build never reads storage written in a format it does not know or did not expect: it refuses with one line instead.
 *
 * <p>{@link #LAYERS_V1}: the layer engine ({@link LayerEngine}: journal + layer files). Roots created before the file
 * existed hold this format: they get the file on their next open. {@link #LOG_V1}: the log-structured store
 * ({@code lsm.LogEngine}). A new root records the format its configuration asks for; an existing root keeps its format,
 * and a configuration asking for the other one is refused (the data is converted offline by
 * {@code galleonfs storage convert}, never silently).
 */
public final class StorageFormat {
    public static final String LAYERS_V1 = "layers-v1";
    public static final String LOG_V1 = "log-v1";
    static final String FILE = "format";
    private static final String PREFIX = "galleonfs-engine ";

    private StorageFormat() {
    }

    /** Whether this build reads {@code format}. */
    public static boolean known(String format) {
        return LAYERS_V1.equals(format) || LOG_V1.equals(format);
    }

    /** The configuration word of a format ({@code layers} or {@code log}). */
    public static String word(String format) {
        return LOG_V1.equals(format) ? "log" : "layers";
    }

    /**
     * The format {@code root} will be opened in when the configuration asks for {@code wanted}: the recorded one, or
     * {@code wanted} for a new root. Changes nothing (the daemon's preflight calls it before anything starts).
     *
     * @throws UnsupportedStorageFormatException with one readable line when the root records a format this build does not
     *                                           read, an unreadable format file, or another format than {@code wanted}
     */
    public static String check(Path root, String wanted) throws IOException {
        if (!known(wanted)) {
            throw new IllegalArgumentException("unknown engine format " + wanted);
        }
        String recorded = recorded(root);
        if (recorded == null) {
            return wanted;
        }
        if (!known(recorded)) {
            throw new UnsupportedStorageFormatException("engine storage " + root + " is in format " + recorded
                    + ", which this build does not read (it reads " + LAYERS_V1 + " and " + LOG_V1 + "): start it with the"
                    + " GalleonFS build that wrote it; nothing was changed");
        }
        if (!recorded.equals(wanted)) {
            throw new UnsupportedStorageFormatException("engine storage " + root + " is in format " + recorded
                    + " but engine_format = \"" + word(wanted) + "\" is configured: set engine_format = \"" + word(recorded)
                    + "\", or stop the node and run 'galleonfs storage convert --storage-path <storage path> --to "
                    + word(wanted) + "'; nothing was changed");
        }
        return recorded;
    }

    /**
     * The format a configuration that leaves the choice to the root ({@code engine_format = "auto"}) opens {@code root}
     * in: the recorded one (a legacy root: {@link #LAYERS_V1}), or {@code forNewRoot} for a new root. An unknown recorded
     * format is returned as is, so that {@link #check} refuses it with its one line.
     */
    public static String recordedOr(Path root, String forNewRoot) throws IOException {
        String recorded = recorded(root);
        return recorded != null ? recorded : forNewRoot;
    }

    /**
     * What {@code root} holds: its format file's format, {@link #LAYERS_V1} for a root with layer engine files from before
     * the format file, null for a new (empty or missing) root.
     *
     * @throws UnsupportedStorageFormatException for a format file not written by GalleonFS
     */
    public static String recorded(Path root) throws IOException {
        Path file = root.resolve(FILE);
        if (!Files.exists(file)) {
            boolean legacy = Files.isDirectory(root.resolve(LayerEngine.JOURNAL_DIR))
                    || Files.isDirectory(root.resolve(LayerEngine.VOLUMES_DIR));
            return legacy ? LAYERS_V1 : null;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (!text.startsWith(PREFIX)) {
            throw new UnsupportedStorageFormatException("engine storage " + root + " has a format file this build cannot read ('"
                    + abbreviate(text) + "'); it was not written by GalleonFS or it is damaged: nothing was changed");
        }
        return text.substring(PREFIX.length()).trim();
    }

    /**
     * Checks the format of {@code root} before an engine of {@code format} opens it (the caller holds the root's lock),
     * and records it when the root is new or predates the format file.
     */
    public static void checkOrRecord(Path root, String format) throws IOException {
        check(root, format);
        if (!Files.exists(root.resolve(FILE))) {
            record(root, format);
        }
    }

    /** Writes {@code root}'s format file atomically (fsynced, directory fsynced). */
    public static void record(Path root, String format) throws IOException {
        if (!known(format)) {
            throw new IllegalArgumentException("unknown engine format " + format);
        }
        Files.createDirectories(root);
        AtomicFiles.write(root.resolve(FILE), ByteBuffer.wrap((PREFIX + format + "\n").getBytes(StandardCharsets.UTF_8)));
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

    /** The engine root is in a format this build does not read, or not in the configured one. */
    public static final class UnsupportedStorageFormatException extends EngineException {
        public UnsupportedStorageFormatException(String message) {
            super(message);
        }
    }
}
