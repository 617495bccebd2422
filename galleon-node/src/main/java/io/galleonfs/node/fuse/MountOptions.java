package io.galleonfs.node.fuse;

import io.galleonfs.api.AccessMode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Mount options as users give them ({@code rw,sync}, {@code ro}, {@code fs=ext4}, ...), validated and normalised into
 * the list stored in the mount record: {@code rw|ro} first, then {@code sync}, {@code encrypted}, {@code fs=TYPE} and
 * generic flags. A stored list parses back to the same options, so a restored mount behaves as the original did.
 */
public record MountOptions(boolean readOnly, boolean sync, Optional<String> fsType, boolean encrypted, List<String> flags,
                           OptionalInt uid, OptionalInt gid, int mode) {
    /** Permission bits of the {@code data} file unless {@code mode=} says otherwise: the owner only. */
    public static final int DEFAULT_MODE = 0600;
    /** File systems that file-system mode can create and mount. */
    public static final Set<String> FS_TYPES = Set.of("ext4", "xfs");
    /** Generic mount flags, passed to the FUSE mount and, in file-system mode, to the real file system's mount. */
    static final Set<String> FLAGS = Set.of("noatime", "nodiratime", "relatime", "noexec", "nosuid", "nodev");
    private static final String SUPPORTED = "rw, ro, sync, async, encrypted, fs=ext4|xfs|none, uid=N, gid=N, mode=OCTAL, "
            + String.join(", ", FLAGS.stream().sorted().toList());

    public MountOptions {
        flags = List.copyOf(flags);
    }

    /**
     * Combines a storage class's defaults with the user's options (the user wins). {@code classFsType} is the class's
     * {@code fs_type} parameter; {@code fs=none} asks for the raw layout even when the class names a file system.
     * Unknown class options are skipped (classes may carry options for other frontends); unknown user options fail.
     *
     * @throws IllegalArgumentException naming the bad option and the supported ones
     */
    public static MountOptions parse(List<String> classOptions, List<String> userOptions, String classFsType, AccessMode mode) {
        Builder b = new Builder(mode == AccessMode.READ_ONLY_MANY, classFsType);
        for (String o : split(classOptions)) {
            b.apply(o, false);
        }
        for (String o : split(userOptions)) {
            b.apply(o, true);
        }
        return new MountOptions(b.readOnly, b.sync, Optional.ofNullable(b.fsType), b.encrypted, new ArrayList<>(b.flags),
                b.uid, b.gid, b.mode);
    }

    /** Parses a stored, already normalised list (a mount record's options). */
    public static MountOptions stored(List<String> options) {
        return parse(List.of(), options, null, AccessMode.READ_WRITE_ONCE);
    }

    /** The normalised list kept in the mount record. */
    public List<String> toList() {
        List<String> out = new ArrayList<>();
        out.add(readOnly ? "ro" : "rw");
        if (sync) {
            out.add("sync");
        }
        if (encrypted) {
            out.add("encrypted");
        }
        fsType.ifPresent(t -> out.add("fs=" + t));
        uid.ifPresent(u -> out.add("uid=" + u));
        gid.ifPresent(g -> out.add("gid=" + g));
        if (mode != DEFAULT_MODE) {
            out.add("mode=0" + Integer.toOctalString(mode));
        }
        out.addAll(flags);
        return out;
    }

    private static List<String> split(List<String> options) {
        List<String> out = new ArrayList<>();
        if (options != null) {
            for (String o : options) {
                if (o == null) {
                    continue;
                }
                for (String part : o.split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.trim());
                    }
                }
            }
        }
        return out;
    }

    private static int id(String option) {
        String v = option.substring(option.indexOf('=') + 1);
        try {
            int id = Integer.parseInt(v);
            if (id >= 0 && id < 65_534 * 64) {
                return id;
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        throw new IllegalArgumentException("mount option '" + option + "': a user or group id is a whole number from 0");
    }

    private static int permissions(String option) {
        String v = option.substring(5);
        if (v.matches("0?[0-7]{3}")) {
            int m = Integer.parseInt(v, 8);
            if ((m & 0111) == 0) {
                return m;
            }
        }
        throw new IllegalArgumentException("mount option '" + option + "': mode is three octal digits of read/write bits, e.g. 0600 or 0640");
    }

    private static final class Builder {
        boolean readOnly;
        boolean sync;
        boolean encrypted;
        String fsType;
        OptionalInt uid = OptionalInt.empty();
        OptionalInt gid = OptionalInt.empty();
        int mode = DEFAULT_MODE;
        final Set<String> flags = new LinkedHashSet<>();

        Builder(boolean readOnly, String classFsType) {
            this.readOnly = readOnly;
            this.fsType = classFsType != null && FS_TYPES.contains(classFsType.trim()) ? classFsType.trim() : null;
        }

        void apply(String o, boolean strict) {
            switch (o) {
                case "rw" -> readOnly = false;
                case "ro" -> readOnly = true;
                case "sync" -> sync = true;
                case "async" -> sync = false;
                case "encrypted" -> encrypted = true;
                default -> {
                    if (o.startsWith("uid=")) {
                        uid = OptionalInt.of(id(o));
                    } else if (o.startsWith("gid=")) {
                        gid = OptionalInt.of(id(o));
                    } else if (o.startsWith("mode=")) {
                        mode = permissions(o);
                    } else if (o.startsWith("fs=")) {
                        String t = o.substring(3);
                        if (t.equals("none") || t.equals("raw")) {
                            fsType = null;
                        } else if (FS_TYPES.contains(t)) {
                            fsType = t;
                        } else if (strict) {
                            throw new IllegalArgumentException("mount option '" + o + "': file system '" + t
                                    + "' is not supported; use fs=ext4, fs=xfs or fs=none");
                        }
                    } else if (FLAGS.contains(o)) {
                        flags.add(o);
                    } else if (strict) {
                        throw new IllegalArgumentException("unknown mount option '" + o + "'; supported: " + SUPPORTED);
                    }
                }
            }
        }
    }
}
