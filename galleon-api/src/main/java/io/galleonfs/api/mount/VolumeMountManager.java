package io.galleonfs.api.mount;

import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.MountInfo;
import io.galleonfs.api.MountRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Programmatic mounts, as in the seed's {@code VolumeMountManager}: mount a volume through a daemon on this host, open
 * the mounted volume's bytes as a {@link GalleonVolumeFile}, list and unmount mounts. It drives the daemon's REST API
 * through any {@link GalleonApi} client (for instance one built with MicroProfile's {@code RestClientBuilder}); the
 * daemon must run on the same host, since mounts are made on the daemon's host.
 */
public final class VolumeMountManager {
    private final GalleonApi api;

    public VolumeMountManager(GalleonApi api) {
        this.api = api;
    }

    /**
     * Mounts {@code volume} (name or UUID) at {@code path} (null: {@code <mount-point>/<volume name>}) with options such
     * as {@code rw}, {@code ro}, {@code sync}. Returns the mount; its {@link MountInfo#id()} unmounts it again.
     */
    public MountInfo mountVolume(String volume, Path path, List<String> options) {
        return api.mountVolume(volume, new MountRequest(path == null ? null : path.toAbsolutePath().normalize().toString(),
                options == null ? List.of() : options));
    }

    /** Opens the volume mounted at {@code mountPath} for reading and, if the mount is read-write, writing. */
    public GalleonVolumeFile openVolumeFile(Path mountPath) throws IOException {
        MountInfo m = find(mountPath);
        if (m.options().stream().anyMatch(o -> o.startsWith("fs="))) {
            throw new IOException("the volume at " + mountPath + " is mounted as a file system (" + String.join(",", m.options())
                    + "): use java.nio.file on its files instead");
        }
        return GalleonVolumeFile.open(Path.of(m.path()), !m.readOnly());
    }

    /** Every mount in the cluster. */
    public List<MountInfo> listMounts() {
        return api.listMounts();
    }

    /** Unmounts a mount by its id (from {@link #mountVolume} or {@link #listMounts}). */
    public void unmountVolume(String mountId) {
        MountInfo m = api.listMounts().stream().filter(x -> x.id().equals(mountId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no mount with id " + mountId));
        api.unmount(m.volumeId(), mountId, false);
    }

    /** Unmounts whatever is mounted at {@code path}. */
    public void unmountPath(Path path) {
        api.unmountPath(path.toAbsolutePath().normalize().toString(), false);
    }

    private MountInfo find(Path mountPath) throws IOException {
        String p = mountPath.toAbsolutePath().normalize().toString();
        return api.listMounts().stream().filter(m -> m.path().equals(p)).findFirst()
                .orElseThrow(() -> new IOException("no volume is mounted at " + p));
    }
}
