package io.galleonfs.node.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Removes what a daemon that died without unmounting (kill -9, power loss) left behind: its FUSE mounts, whose
 * connection is dead ("Transport endpoint is not connected"), and in file-system mode the real file systems and loop
 * devices stacked on them. Only this node's leftovers are touched: FUSE mounts are recognised by the node id in their
 * source name, loop devices by a backing file under this node's hidden backing directory. Run before this process
 * mounts anything, so everything found is stale.
 */
final class StaleMounts {
    private static final Logger LOG = Logger.getLogger(StaleMounts.class);
    private static final Path SYS_BLOCK = Path.of("/sys/block");

    private StaleMounts() {
    }

    /** The FUSE source name of a mount of this node: {@code galleonfs:<node id>:<mount id>}. */
    static String source(String nodeId, String mountId) {
        return prefix(nodeId) + mountId;
    }

    static String prefix(String nodeId) {
        return "galleonfs:" + nodeId + ":";
    }

    /** @return how many mounts and loop devices were removed */
    static int clean(String nodeId, Optional<Path> backingRoot) {
        int removed = 0;
        List<ProcMounts.Entry> table = ProcMounts.read();
        if (backingRoot.isPresent()) {
            String root = backingRoot.get().toString() + "/";
            for (String loop : loopsBackedUnder(root)) {
                for (ProcMounts.Entry e : table) {
                    if (e.source().equals(loop)) {
                        removed += lazyUnmount(e.target());
                    }
                }
                FileSystemMode.detachLoop(loop);
                LOG.warnf("removed stale loop device %s left by an earlier run", loop);
                removed++;
            }
        }
        String prefix = prefix(nodeId);
        List<String> fuse = table.stream().filter(e -> e.source().startsWith(prefix)).map(ProcMounts.Entry::target)
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
        for (String target : fuse) {
            removed += lazyUnmount(target);
        }
        return removed;
    }

    private static int lazyUnmount(String target) {
        try {
            FuseSession.unmountPath(Path.of(target), true);
            LOG.warnf("removed stale mount at %s left by an earlier run", target);
            return 1;
        } catch (IOException e) {
            LOG.errorf("stale mount at %s could not be removed: %s", target, e.getMessage());
            return 0;
        }
    }

    /** Loop devices whose backing file lies under {@code root}, read from sysfs (which never touches the dead mount). */
    static List<String> loopsBackedUnder(String root) {
        if (!Files.isDirectory(SYS_BLOCK)) {
            return List.of();
        }
        try (Stream<Path> devices = Files.list(SYS_BLOCK)) {
            return devices.filter(d -> d.getFileName().toString().startsWith("loop")).filter(d -> {
                Path backing = d.resolve("loop").resolve("backing_file");
                try {
                    return Files.exists(backing) && Files.readString(backing).strip().startsWith(root);
                } catch (IOException e) {
                    return false;
                }
            }).map(d -> "/dev/" + d.getFileName()).sorted().toList();
        } catch (IOException e) {
            LOG.warnf("cannot list loop devices: %s", e.getMessage());
            return List.of();
        }
    }
}
