package io.galleonfs.node.fuse;

import io.galleonfs.node.volume.GalleonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * File-system mode: the FUSE {@code data} file of a hidden backing mount is attached to a loop device, which holds a
 * real ext4 or xfs file system mounted at the user's path. An empty volume is formatted at its first mount; a volume
 * with data but no file system is never formatted.
 */
final class FileSystemMode {
    private static final Logger LOG = Logger.getLogger(FileSystemMode.class);
    private static final long TOOL_TIMEOUT_S = 120;
    private static final long MKFS_TIMEOUT_S = 600;

    /** A real file system mounted at {@code target} from {@code loopDevice}. */
    record Attached(String loopDevice, Path target) {
    }

    private FileSystemMode() {
    }

    /** Fails with a 422 problem naming everything file-system mode needs that this host lacks. */
    static void checkRequirements(String fsType) {
        List<String> missing = new ArrayList<>();
        if (!Privileges.root()) {
            missing.add("root privileges (the daemon runs as uid " + Privileges.uid() + "; loop devices and mount(8) need root)");
        }
        if (!Files.exists(Path.of("/dev/loop-control"))) {
            missing.add("loop devices (/dev/loop-control is absent; load the loop module or give the container loop devices)");
        }
        for (String tool : List.of("losetup", "mount", "umount", "blkid")) {
            if (HostCommands.find(tool) == null) {
                missing.add(tool + " (Debian package util-linux / mount)");
            }
        }
        String mkfs = "mkfs." + fsType;
        if (HostCommands.find(mkfs) == null) {
            missing.add(mkfs + " (Debian package " + (fsType.equals("xfs") ? "xfsprogs" : "e2fsprogs") + ")");
        }
        if (!missing.isEmpty()) {
            throw new GalleonException(GalleonException.Kind.UNPROCESSABLE, "file-system mode (fs=" + fsType
                    + ") cannot work on this node: missing " + String.join("; ", missing)
                    + ". Mount with -o fs=none for the raw layout instead");
        }
    }

    /**
     * Attaches {@code dataFile} to a loop device, formats it when the volume is empty, and mounts the file system at
     * {@code target}. Nothing is left attached when it fails.
     */
    static Attached attach(Path dataFile, MountOptions options, Path target, BooleanSupplier volumeEmpty, String volumeName)
            throws IOException {
        String fsType = options.fsType().orElseThrow();
        List<String> losetup = new ArrayList<>(List.of("--find", "--show"));
        if (options.readOnly()) {
            losetup.add("--read-only");
        }
        losetup.add(dataFile.toString());
        String loop = HostCommands.require(TOOL_TIMEOUT_S, "losetup", losetup.toArray(String[]::new)).lines().reduce((a, b) -> b).orElse("").trim();
        if (!loop.startsWith("/dev/")) {
            throw new IOException("losetup did not name a loop device (got '" + loop + "')");
        }
        try {
            String found = probe(loop);
            if (found.isEmpty()) {
                if (!volumeEmpty.getAsBoolean()) {
                    throw new GalleonException(GalleonException.Kind.CONFLICT, "volume '" + volumeName + "' holds data but no "
                            + fsType + " file system; it is not formatted, to keep that data. Mount it with -o fs=none to see its raw bytes");
                }
                if (options.readOnly()) {
                    throw new GalleonException(GalleonException.Kind.CONFLICT, "volume '" + volumeName
                            + "' has no file system yet; mount it read-write once to create its " + fsType + " file system");
                }
                format(loop, fsType);
                LOG.infof("volume %s: created an %s file system", volumeName, fsType);
            } else if (!found.equals(fsType)) {
                throw new GalleonException(GalleonException.Kind.CONFLICT, "volume '" + volumeName + "' holds a " + found
                        + " file system, not " + fsType + "; mount it with -o fs=" + (MountOptions.FS_TYPES.contains(found) ? found : "none"));
            }
            HostCommands.require(TOOL_TIMEOUT_S, "mount", "-t", fsType, "-o", String.join(",", mountFlags(options)), loop, target.toString());
            return new Attached(loop, target);
        } catch (IOException | RuntimeException e) {
            detachLoop(loop);
            throw e;
        }
    }

    /** The file-system type blkid finds on a device, or "" when it finds none. */
    private static String probe(String device) throws IOException {
        HostCommands.Result r = HostCommands.run(TOOL_TIMEOUT_S, "blkid", "-p", "-o", "value", "-s", "TYPE", device);
        // blkid exits 2 when it finds no signature at all.
        if (r.exitCode() == 2) {
            return "";
        }
        if (!r.ok()) {
            throw new IOException("blkid could not probe " + device + ": " + r.output());
        }
        return r.output().trim();
    }

    private static void format(String device, String fsType) throws IOException {
        // The volume is empty and thin: discarding it first would only trim blocks that were never written.
        if (fsType.equals("xfs")) {
            HostCommands.require(MKFS_TIMEOUT_S, "mkfs.xfs", "-q", "-K", device);
        } else {
            HostCommands.require(MKFS_TIMEOUT_S, "mkfs." + fsType, "-q", "-F", "-E", "nodiscard", device);
        }
    }

    static List<String> mountFlags(MountOptions options) {
        List<String> flags = new ArrayList<>();
        flags.add(options.readOnly() ? "ro" : "rw");
        if (options.readOnly()) {
            // A read-only mount must not replay the journal: that would write to the volume.
            flags.add(options.fsType().orElseThrow().equals("xfs") ? "norecovery" : "noload");
        }
        if (options.sync()) {
            flags.add("sync");
        }
        flags.addAll(options.flags());
        return flags;
    }

    /** Unmounts the file system and frees its loop device. */
    static void detach(Attached a, boolean lazy) throws IOException {
        if (ProcMounts.isMountPoint(a.target())) {
            FuseSession.unmountPath(a.target(), lazy);
        }
        detachLoop(a.loopDevice());
    }

    static void detachLoop(String loop) {
        try {
            HostCommands.Result r = HostCommands.run(TOOL_TIMEOUT_S, "losetup", "-d", loop);
            if (!r.ok()) {
                LOG.warnf("losetup -d %s failed: %s", loop, r.output());
            }
        } catch (IOException e) {
            LOG.warnf("losetup -d %s failed: %s", loop, e.getMessage());
        }
    }
}
