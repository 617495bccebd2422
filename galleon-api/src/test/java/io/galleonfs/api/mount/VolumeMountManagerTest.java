package io.galleonfs.api.mount;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.MountInfo;
import io.galleonfs.api.MountRequest;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The manager's calls and file semantics against a stand-in daemon that "mounts" by creating a directory with a
 * {@code data} file of the volume's size (the real FUSE mount is exercised end to end by the CLI's MountIT).
 */
class VolumeMountManagerTest {
    private static final int SIZE = 1 << 20;
    private Path dir;
    private final List<MountInfo> mounts = new ArrayList<>();
    private final List<String> calls = new ArrayList<>();
    private VolumeMountManager manager;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-mount-api");
        GalleonApi fake = (GalleonApi) Proxy.newProxyInstance(GalleonApi.class.getClassLoader(), new Class<?>[] {GalleonApi.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "mountVolume" -> {
                        MountRequest r = (MountRequest) args[1];
                        Path p = Path.of(r.path());
                        Files.createDirectories(p);
                        try (var f = new java.io.RandomAccessFile(p.resolve("data").toFile(), "rw")) {
                            f.setLength(SIZE);
                        }
                        MountInfo m = new MountInfo("m" + mounts.size(), r.path(), r.options(), "node-1", "vol-id", (String) args[0], "mounted");
                        mounts.add(m);
                        calls.add("mount " + args[0] + " " + r.path() + " " + r.options());
                        yield m;
                    }
                    case "listMounts" -> List.copyOf(mounts);
                    case "unmount" -> {
                        calls.add("unmount " + args[0] + " " + args[1]);
                        mounts.removeIf(m -> m.id().equals(args[1]));
                        yield null;
                    }
                    case "unmountPath" -> {
                        calls.add("unmountPath " + args[0]);
                        MountInfo m = mounts.stream().filter(x -> x.path().equals(args[0])).findFirst().orElseThrow();
                        mounts.remove(m);
                        yield m;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        manager = new VolumeMountManager(fake);
    }

    @AfterEach
    void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void mountOpenReadWriteSeekListUnmount() throws IOException {
        Path app = dir.resolve("app/data");
        MountInfo m = manager.mountVolume("web-data", app, List.of("rw", "sync"));
        assertEquals(List.of("mount web-data " + app + " [rw, sync]"), calls);
        try (GalleonVolumeFile f = manager.openVolumeFile(app)) {
            assertEquals(SIZE, f.size());
            f.write("application data".getBytes(StandardCharsets.UTF_8));
            assertEquals(16, f.position());
            f.seek(0);
            byte[] buf = new byte[16];
            assertEquals(16, f.read(buf));
            assertArrayEquals("application data".getBytes(StandardCharsets.UTF_8), buf);
            f.seek(SIZE - 4);
            IOException past = assertThrows(IOException.class, () -> f.write(new byte[8]));
            assertTrue(past.getMessage().contains("past the end"), past.getMessage());
            f.seek(SIZE);
            assertEquals(-1, f.read(new byte[1]));
            f.flush();
        }
        assertEquals(1, manager.listMounts().size());
        manager.unmountVolume(m.id());
        assertEquals("unmount vol-id " + m.id(), calls.getLast());
        assertTrue(manager.listMounts().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> manager.unmountVolume(m.id()));
    }

    @Test
    void readOnlyMountsOpenReadOnlyAndFileSystemMountsAreRefused() throws IOException {
        Path ro = dir.resolve("ro");
        manager.mountVolume("web-data", ro, List.of("ro"));
        try (GalleonVolumeFile f = manager.openVolumeFile(ro)) {
            assertEquals(4, f.read(new byte[4]));
            IOException e = assertThrows(IOException.class, () -> f.write(new byte[1]));
            assertTrue(e.getMessage().contains("read-only"));
        }
        Path fs = dir.resolve("fs");
        manager.mountVolume("db-data", fs, List.of("rw", "fs=ext4"));
        assertTrue(assertThrows(IOException.class, () -> manager.openVolumeFile(fs)).getMessage().contains("file system"));
        assertThrows(IOException.class, () -> manager.openVolumeFile(dir.resolve("nothing")));
        manager.unmountPath(ro);
        assertEquals("unmountPath " + ro, calls.getLast());
    }
}
