package io.galleonfs.node.fuse;

import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.MountRecord;
import io.galleonfs.node.meta.StorageClassRecord;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.MetaCommands;
import io.galleonfs.node.volume.VolumeDataService;
import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.volume.VolumeService;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Mounts and unmounts volumes on this node. Desired state is the mount records in cluster metadata (so they survive
 * restarts and every member enforces access modes alike); actual state is the live FUSE sessions here. A mount is
 * recorded first and then made live (and its record dropped again if that fails); an unmount goes the other way.
 * Mount and unmount calls are serialised per node: mounting a file system can take seconds, which is fine for an
 * administrative operation.
 */
public final class MountService {
    private static final Logger LOG = Logger.getLogger(MountService.class);
    static final String BACKING_DIR = ".galleonfs";

    /** A mount as the API shows it: the record, its volume, and what this node knows of its state. */
    public record View(MountRecord record, UUID volumeId, String volumeName, String state) {
    }

    private record Live(MountRecord record, UUID volumeId, FuseSession fuse, FileSystemMode.Attached fs) {
    }

    private final String nodeId;
    private final Optional<Path> mountPoint;
    private final VolumeService volumes;
    private final VolumeDataService data;
    private final MetadataStore store;
    private final MetaCommands commands;
    private final Supplier<UUID> ids;
    private final MountRoots roots;
    private final Map<String, Live> live = new ConcurrentHashMap<>();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private final ExecutorService reconciler = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "galleon-mount-reconciler");
        t.setDaemon(true);
        return t;
    });

    public MountService(String nodeId, Optional<Path> mountPoint, VolumeService volumes, VolumeDataService data,
                        MetadataStore store, Supplier<UUID> ids) {
        this(nodeId, mountPoint, volumes, data, store, ids, new MountRoots(mountPoint, List.of()));
    }

    public MountService(String nodeId, Optional<Path> mountPoint, VolumeService volumes, VolumeDataService data,
                        MetadataStore store, Supplier<UUID> ids, MountRoots roots) {
        this.roots = roots;
        this.nodeId = nodeId;
        this.mountPoint = mountPoint;
        this.volumes = volumes;
        this.data = data;
        this.store = store;
        this.commands = new MetaCommands(store);
        this.ids = ids;
    }

    /** Mounts a volume at {@code path} (or {@link #defaultPath}) on this node, for an admin caller. */
    public View mount(String ref, String path, List<String> options) {
        return mount(ref, path, options, true);
    }

    /**
     * Mounts a volume at {@code path} (or {@link #defaultPath}) on this node; the path must be one {@link MountRoots}
     * allows for the caller ({@code admin} false: an operator's token), else 403 and nothing changes.
     */
    public synchronized View mount(String ref, String path, List<String> options, boolean admin) {
        Path root = mountPoint.orElseThrow(() -> GalleonException.conflict(
                "this daemon was started without --mount-point; restart it with --mount-point DIR to mount volumes"));
        VolumeRecord v = volumes.get(ref);
        data.io(v);
        StorageClassRecord sc = store.state().storageClass(v.storageClass()).orElse(null);
        MountOptions opts;
        try {
            opts = MountOptions.parse(sc == null ? List.of() : sc.mountOptions(), options,
                    sc == null ? null : sc.parameters().get("fs_type"), v.accessMode());
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        if (opts.encrypted() && !v.encrypted()) {
            throw GalleonException.badRequest("mount option 'encrypted': volume '" + v.name() + "' is not encrypted (class "
                    + v.storageClass() + ")");
        }
        Path target = resolvePath(root, v, path);
        roots.refusal(target, admin).ifPresent(reason -> {
            throw GalleonException.forbidden(reason);
        });
        FuseSupport.require();
        opts.fsType().ifPresent(FileSystemMode::checkRequirements);
        checkTarget(target);
        List<String> created = missingDirs(target);
        MountRecord record = new MountRecord(ids.get().toString(), target.toString(), opts.toList(), nodeId, created);
        commands.submit(new MetaCommand.AddMount(v.id(), record));
        try {
            activate(v, record);
        } catch (RuntimeException e) {
            forget(v.id(), record);
            removeCreated(record);
            throw e;
        } catch (IOException e) {
            forget(v.id(), record);
            removeCreated(record);
            throw new GalleonException(GalleonException.Kind.STORAGE, "mounting volume '" + v.name() + "' at " + target
                    + " failed: " + e.getMessage());
        }
        LOG.infof("volume %s mounted at %s (%s)", v.name(), target, String.join(",", record.options()));
        return view(v, record);
    }

    /** {@code <mount-point>/<name>}, or {@code <mount-point>/<ns>/<name>} outside {@code default} (names are unique per namespace). */
    static Path defaultPath(Path root, VolumeRecord v) {
        return VolumeRecord.DEFAULT_NAMESPACE.equals(v.namespace()) ? root.resolve(v.name()) : root.resolve(v.namespace()).resolve(v.name());
    }

    private Path resolvePath(Path root, VolumeRecord v, String path) {
        Path target;
        try {
            target = path == null || path.isBlank() ? defaultPath(root, v) : Path.of(path);
        } catch (InvalidPathException e) {
            throw GalleonException.badRequest("mount path '" + path + "' is not a valid path");
        }
        if (!target.isAbsolute()) {
            throw GalleonException.badRequest("mount path '" + path + "' must be absolute");
        }
        target = target.normalize();
        if (target.getNameCount() == 0) {
            throw GalleonException.badRequest("cannot mount over /");
        }
        if (target.startsWith(root.resolve(BACKING_DIR)) || root.startsWith(target)) {
            throw GalleonException.badRequest("mount path " + target + " would hide the mount point " + root
                    + " or its backing directory " + root.resolve(BACKING_DIR));
        }
        return target;
    }

    /** The directories from {@code target} up that do not exist yet, outermost first: the mount creates them. */
    private static List<String> missingDirs(Path target) {
        java.util.LinkedList<String> missing = new java.util.LinkedList<>();
        for (Path p = target; p != null && !Files.exists(p); p = p.getParent()) {
            missing.addFirst(p.toString());
        }
        return missing;
    }

    /** Removes, deepest first, the directories a mount created, as long as they are empty. */
    private static void removeCreated(MountRecord record) {
        List<String> dirs = record.createdDirs();
        for (int i = dirs.size() - 1; i >= 0; i--) {
            removeDir(Path.of(dirs.get(i)));
        }
    }

    private static void checkTarget(Path target) {
        if (ProcMounts.isMountPoint(target)) {
            throw GalleonException.conflict("something is already mounted at " + target);
        }
        try {
            if (!FuseSession.emptyOrAbsent(target)) {
                throw GalleonException.conflict("mount path " + target + " is not an empty directory");
            }
        } catch (IOException e) {
            throw GalleonException.conflict("mount path " + target + " cannot be used: " + e.getMessage());
        }
    }

    /** Makes a recorded mount live on this node. */
    private void activate(VolumeRecord v, MountRecord record) throws IOException {
        MountOptions opts = MountOptions.stored(record.options());
        VolumeIo io = data.io(v);
        Path target = Path.of(record.path());
        Files.createDirectories(target);
        Path fuseAt = opts.fsType().isPresent() ? backingDir(record.id()) : target;
        Files.createDirectories(fuseAt);
        UUID volumeId = v.id();
        long now = System.currentTimeMillis();
        VolumeLayout layout = new VolumeLayout(io, opts.readOnly(), opts.sync(),
                () -> LayoutText.readme(current(volumeId, v), io.sizeBytes(), record),
                () -> LayoutText.metadata(current(volumeId, v), io.sizeBytes(), record), now, opts.mode());
        List<String> flags = new ArrayList<>();
        if (opts.readOnly()) {
            flags.add("ro");
        }
        if (opts.fsType().isEmpty()) {
            // libfuse knows only these generic flags; the others are for real file systems.
            opts.flags().stream().filter(f -> Set.of("noatime", "noexec", "nosuid", "nodev").contains(f)).forEach(flags::add);
        }
        FuseSession fuse = FuseSession.mount(new VolumeFileSystem(layout, opts.uid().orElse(Privileges.uid()),
                opts.gid().orElse(Privileges.gid())), fuseAt,
                StaleMounts.source(nodeId, record.id()), flags);
        FileSystemMode.Attached fs = null;
        if (opts.fsType().isPresent()) {
            try {
                fs = FileSystemMode.attach(fuseAt.resolve(VolumeLayout.DATA), opts, target,
                        () -> data.usage(current(volumeId, v)).allocatedBytes() == 0, v.name());
            } catch (IOException | RuntimeException e) {
                unmountQuietly(fuse);
                removeDir(fuseAt);
                throw e;
            }
        }
        live.put(record.id(), new Live(record, volumeId, fuse, fs));
        failures.remove(record.id());
    }

    private VolumeRecord current(UUID id, VolumeRecord fallback) {
        return store.state().volume(id).orElse(fallback);
    }

    private Path backingDir(String mountId) {
        return mountPoint.orElseThrow().resolve(BACKING_DIR).resolve(mountId);
    }

    private void forget(UUID volumeId, MountRecord record) {
        try {
            commands.submit(new MetaCommand.RemoveMount(volumeId, record.id()));
        } catch (RuntimeException e) {
            LOG.warnf("mount %s of volume %s failed and its record could not be removed (%s); it is retried at the next start",
                    record.id(), volumeId, e.getMessage());
        }
        removeOwnDir(Path.of(record.path()));
    }

    /** Unmounts one mount by id. */
    public synchronized View unmount(String ref, String mountId, boolean force) {
        VolumeRecord v = volumes.get(ref);
        MountRecord m = v.mounts().stream().filter(x -> x.id().equals(mountId)).findFirst()
                .orElseThrow(() -> GalleonException.notFound("volume '" + v.name() + "' has no mount " + mountId));
        return unmountRecord(v, m, force);
    }

    /** Unmounts every mount of a volume on this node, or only the one at {@code path}. */
    public synchronized List<View> unmountVolume(String ref, String path, boolean force) {
        VolumeRecord v = volumes.get(ref);
        List<MountRecord> targets;
        if (path != null && !path.isBlank()) {
            String p = normalise(path);
            targets = v.mounts().stream().filter(m -> m.path().equals(p) && m.node().equals(nodeId)).toList();
            if (targets.isEmpty()) {
                throw GalleonException.notFound("volume '" + v.name() + "' is not mounted at " + p + " on this node");
            }
        } else {
            targets = v.mounts().stream().filter(m -> m.node().equals(nodeId)).toList();
            if (targets.isEmpty()) {
                throw GalleonException.notFound("volume '" + v.name() + "' is not mounted on this node"
                        + (v.mounts().isEmpty() ? "" : " (its mounts are on node(s) "
                        + v.mounts().stream().map(MountRecord::node).distinct().collect(Collectors.joining(", ")) + ")"));
            }
        }
        List<View> done = new ArrayList<>();
        for (MountRecord m : targets) {
            done.add(unmountRecord(v, m, force));
        }
        return done;
    }

    /** Unmounts whatever volume is mounted at {@code path} on this node. */
    public synchronized View unmountPath(String path, boolean force) {
        return unmountPath(path, force, io.galleonfs.node.auth.NamespaceScope.ALL);
    }

    /** As above, but a mount of a volume outside {@code scope} is treated as absent (no existence leak across tenants). */
    public synchronized View unmountPath(String path, boolean force, io.galleonfs.node.auth.NamespaceScope scope) {
        String p = normalise(path);
        for (VolumeRecord v : store.state().volumes()) {
            if (!scope.allows(v.namespace())) {
                continue;
            }
            for (MountRecord m : v.mounts()) {
                if (m.node().equals(nodeId) && m.path().equals(p)) {
                    return unmountRecord(v, m, force);
                }
            }
        }
        throw GalleonException.notFound("no volume is mounted at " + p + " on this node");
    }

    private static String normalise(String path) {
        try {
            Path p = Path.of(path);
            if (!p.isAbsolute()) {
                throw GalleonException.badRequest("mount path '" + path + "' must be absolute");
            }
            return p.normalize().toString();
        } catch (InvalidPathException e) {
            throw GalleonException.badRequest("mount path '" + path + "' is not a valid path");
        }
    }

    private View unmountRecord(VolumeRecord v, MountRecord m, boolean force) {
        if (!m.node().equals(nodeId) && !force) {
            throw GalleonException.conflict("the mount of volume '" + v.name() + "' at " + m.path() + " is on node " + m.node()
                    + store.state().node(m.node()).map(n -> " (api " + n.ipcAddress() + ")").orElse("")
                    + "; unmount it there, or use --force to drop its record");
        }
        Live l = live.get(m.id());
        if (l != null) {
            try {
                deactivate(l, force);
            } catch (FuseSession.BusyException e) {
                throw GalleonException.conflict(e.getMessage() + "; close them first, or use --force for a lazy unmount");
            } catch (IOException e) {
                throw new GalleonException(GalleonException.Kind.STORAGE, "unmounting " + m.path() + " failed: " + e.getMessage());
            }
        }
        failures.remove(m.id());
        commands.submit(new MetaCommand.RemoveMount(v.id(), m.id()));
        LOG.infof("volume %s unmounted from %s", v.name(), m.path());
        return new View(m, v.id(), v.name(), "unmounted");
    }

    private void deactivate(Live l, boolean lazy) throws IOException {
        if (l.fs() != null) {
            FileSystemMode.detach(l.fs(), lazy);
        }
        // The backing mount of a file system is private: once the file system is gone, detaching it lazily only
        // lets the loop device finish releasing the data file.
        l.fuse().unmount(lazy || l.fs() != null);
        live.remove(l.record().id());
        if (l.fs() != null) {
            removeDir(l.fuse().path());
        }
        removeOwnDir(Path.of(l.record().path()));
        removeCreated(l.record());
    }

    private void unmountQuietly(FuseSession fuse) {
        try {
            fuse.unmount(true);
        } catch (IOException e) {
            LOG.warnf("cannot unmount %s: %s", fuse.path(), e.getMessage());
        }
    }

    /** Directories under the mount point are this daemon's to create and remove; others belong to the user. */
    private void removeOwnDir(Path dir) {
        if (mountPoint.isPresent() && dir.startsWith(mountPoint.get()) && !dir.equals(mountPoint.get())) {
            removeDir(dir);
        }
    }

    private static void removeDir(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            LOG.debugf("%s is not empty: left in place", dir);
        } catch (IOException e) {
            LOG.debugf("cannot remove %s: %s", dir, e.getMessage());
        }
    }

    /** Every mount in the cluster, or only a volume's. */
    public List<View> list(String ref) {
        List<View> out = new ArrayList<>();
        List<VolumeRecord> vs = ref == null ? volumes.list() : List.of(volumes.get(ref));
        for (VolumeRecord v : vs) {
            for (MountRecord m : v.mounts()) {
                out.add(view(v, m));
            }
        }
        return out;
    }

    public View view(VolumeRecord v, MountRecord m) {
        return new View(m, v.id(), v.name(), state(m));
    }

    /** {@code mounted}, {@code failed: why}, {@code pending} (recorded, not live yet) on this node; {@code remote} elsewhere. */
    public String state(MountRecord m) {
        if (!m.node().equals(nodeId)) {
            return "remote";
        }
        if (live.containsKey(m.id())) {
            return "mounted";
        }
        String why = failures.get(m.id());
        return why != null ? "failed: " + why : "pending";
    }

    /** At start: removes what a crashed run left mounted, then mounts every mount recorded for this node again. */
    public synchronized void restore() {
        int stale = StaleMounts.clean(nodeId, mountPoint.map(p -> p.resolve(BACKING_DIR)));
        if (stale > 0) {
            LOG.warnf("cleaned up %d stale mount(s) and loop device(s) left by an earlier run of this node", stale);
        }
        mountPoint.ifPresent(p -> removeEmptyBackingDirs(p.resolve(BACKING_DIR)));
        for (VolumeRecord v : store.state().volumes()) {
            for (MountRecord m : v.mounts()) {
                if (m.node().equals(nodeId) && !live.containsKey(m.id())) {
                    restoreOne(v, m);
                }
            }
        }
    }

    private void restoreOne(VolumeRecord v, MountRecord m) {
        try {
            if (mountPoint.isEmpty()) {
                throw new IOException("this daemon was started without --mount-point");
            }
            FuseSupport.require();
            checkTarget(Path.of(m.path()));
            activate(v, m);
            LOG.infof("volume %s mounted again at %s", v.name(), m.path());
        } catch (IOException | RuntimeException e) {
            failures.put(m.id(), e.getMessage());
            LOG.errorf("volume %s could not be mounted again at %s: %s (its record is kept; unmount it to drop it)",
                    v.name(), m.path(), e.getMessage());
        }
    }

    private static void removeEmptyBackingDirs(Path root) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (var dirs = Files.list(root)) {
            dirs.forEach(MountService::removeDir);
        } catch (IOException e) {
            LOG.debugf("cannot list %s: %s", root, e.getMessage());
        }
    }

    /** At a clean stop: unmounts everything here; the records stay, so the mounts come back at the next start. */
    public synchronized void shutdown() {
        reconciler.shutdownNow();
        for (Live l : List.copyOf(live.values())) {
            try {
                deactivate(l, false);
            } catch (IOException e) {
                LOG.warnf("%s is busy at shutdown (%s): detaching it lazily", l.record().path(), e.getMessage());
                try {
                    deactivate(l, true);
                } catch (IOException again) {
                    LOG.errorf("cannot unmount %s: %s", l.record().path(), again.getMessage());
                }
            }
        }
    }

    /**
     * Called after every change (on the node's metadata listener thread): a live mount whose record is gone (its volume
     * was deleted with --force, or another node dropped it) is unmounted here. The work runs on a worker thread. Only
     * this node's live mounts are looked up, each in its own volume (a walk over every volume's mounts per applied entry
     * cost a node with thousands of volumes more than the entry itself).
     */
    public void onMetadataChange(MetadataState state) {
        if (live.values().stream().anyMatch(l -> !recorded(state, l)) && !reconciler.isShutdown()) {
            reconciler.submit(this::dropUnrecorded);
        }
    }

    private static boolean recorded(MetadataState state, Live l) {
        return state.volume(l.volumeId()).map(v -> v.mounts().stream().anyMatch(m -> m.id().equals(l.record().id())))
                .orElse(false);
    }

    private synchronized void dropUnrecorded() {
        MetadataState state = store.state();
        for (Live l : List.copyOf(live.values())) {
            if (!recorded(state, l)) {
                LOG.infof("mount at %s is no longer recorded (volume deleted or mount dropped): unmounting it", l.record().path());
                try {
                    deactivate(l, false);
                } catch (IOException e) {
                    try {
                        deactivate(l, true);
                    } catch (IOException again) {
                        LOG.errorf("cannot unmount %s: %s", l.record().path(), again.getMessage());
                    }
                }
            }
        }
    }

    /** Mounts live on this node now (for tests and shutdown checks). */
    int liveCount() {
        return live.size();
    }
}
