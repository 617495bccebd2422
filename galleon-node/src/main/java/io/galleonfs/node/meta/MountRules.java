package io.galleonfs.node.meta;

import io.galleonfs.api.AccessMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Who may mount a volume how, decided in the state machine so that every member agrees even when two nodes ask at
 * once. Access modes: ReadWriteOnce allows one read-write mount cluster-wide (and any number of read-only ones),
 * ReadOnlyMany only read-only mounts, ReadWriteMany any number of read-write mounts. A real file system (ext4, xfs)
 * is not a cluster file system: while one is mounted read-write nothing else may write the volume or mount the file
 * system, whatever the access mode, or it would be corrupted.
 */
public final class MountRules {
    private MountRules() {
    }

    /** What a mount change does to a volume. */
    public sealed interface Outcome {
        record Changed(VolumeRecord volume) implements Outcome {
        }

        record Refused(MetaResult.Reason reason, String detail) implements Outcome {
        }
    }

    public static Outcome add(Collection<VolumeRecord> all, VolumeRecord v, MountRecord m) {
        boolean rw = m.options().contains("rw");
        if (rw == m.readOnly()) {
            return invalid("mount options must contain exactly one of rw and ro, got " + m.options());
        }
        if (m.path() == null || !m.path().startsWith("/") || m.node() == null || m.id() == null) {
            return invalid("a mount needs an id, a node and an absolute path");
        }
        for (VolumeRecord other : all) {
            for (MountRecord o : other.mounts()) {
                if (o.id().equals(m.id())) {
                    return conflict("mount id " + m.id() + " already exists");
                }
                if (o.node().equals(m.node()) && (o.path().equals(m.path()) || nested(o.path(), m.path()))) {
                    return conflict(o.path().equals(m.path())
                            ? "volume '" + other.name() + "' is already mounted at " + o.path() + " on this node"
                            : "path " + m.path() + " overlaps the mount of volume '" + other.name() + "' at " + o.path());
                }
            }
        }
        if (rw && v.accessMode() == AccessMode.READ_ONLY_MANY) {
            return invalid("volume '" + v.name() + "' is ReadOnlyMany: it can only be mounted ro");
        }
        for (MountRecord o : v.mounts()) {
            String where = o.path() + " on node " + o.node();
            if (rw && !o.readOnly() && v.accessMode() == AccessMode.READ_WRITE_ONCE) {
                return conflict("volume '" + v.name() + "' is ReadWriteOnce and already mounted read-write at " + where
                        + "; mount it ro, or unmount that first");
            }
            String clash = fileSystemClash(v, o, m);
            if (clash != null) {
                return conflict(clash + " (at " + where + ")");
            }
        }
        List<MountRecord> mounts = new ArrayList<>(v.mounts());
        mounts.add(m);
        return new Outcome.Changed(v.withMounts(mounts));
    }

    public static Outcome remove(VolumeRecord v, String mountId) {
        List<MountRecord> mounts = v.mounts().stream().filter(m -> !m.id().equals(mountId)).toList();
        if (mounts.size() == v.mounts().size()) {
            return new Outcome.Refused(MetaResult.Reason.NOT_FOUND, "volume '" + v.name() + "' has no mount " + mountId);
        }
        return new Outcome.Changed(v.withMounts(mounts));
    }

    /** Why {@code added} cannot coexist with {@code existing} because of a real file system, or null. */
    private static String fileSystemClash(VolumeRecord v, MountRecord existing, MountRecord added) {
        boolean fsOld = existing.fsType().isPresent();
        boolean fsNew = added.fsType().isPresent();
        if (!fsOld && !fsNew) {
            return null;
        }
        if (fsOld && fsNew && !existing.fsType().equals(added.fsType())) {
            return "volume '" + v.name() + "' is mounted as " + existing.fsType().get() + ", not " + added.fsType().get();
        }
        if (fsOld && !existing.readOnly() && (fsNew || !added.readOnly())) {
            return "volume '" + v.name() + "' holds a file system mounted read-write; it cannot be mounted "
                    + (fsNew ? "again" : "read-write") + " until that is unmounted";
        }
        if (fsNew && !added.readOnly() && (fsOld || !existing.readOnly())) {
            return "volume '" + v.name() + "' is already mounted" + (fsOld ? " as a file system" : " read-write")
                    + "; a file system can only be mounted read-write when nothing else uses the volume";
        }
        if (fsNew && !existing.readOnly()) {
            return "volume '" + v.name() + "' is mounted read-write; its file system would change under a read-only mount";
        }
        if (!fsNew && !added.readOnly()) {
            return "volume '" + v.name() + "' holds a mounted file system; writing its raw data would corrupt it";
        }
        return null;
    }

    private static boolean nested(String a, String b) {
        return a.startsWith(b.endsWith("/") ? b : b + "/") || b.startsWith(a.endsWith("/") ? a : a + "/");
    }

    private static Outcome invalid(String detail) {
        return new Outcome.Refused(MetaResult.Reason.INVALID, detail);
    }

    private static Outcome conflict(String detail) {
        return new Outcome.Refused(MetaResult.Reason.CONFLICT, detail);
    }
}
