package io.galleonfs.node.meta;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A volume as the metadata state machine knows it. Immutable; changes are new records produced by commands.
 * {@code node} is the primary (orders writes and serves I/O); {@code replicaNodes} lists every placed copy, primary first.
 * {@code epoch} grows by one each time another node becomes primary; replicas refuse writes of a lower epoch, so a deposed
 * primary cannot change data. {@code replicaStates} holds the state of each copy other than the primary's (absent =
 * healthy).
 */
public record VolumeRecord(
        UUID id,
        String name,
        VolumeType volumeType,
        long sizeBytes,
        int blockSize,
        String storageClass,
        int replicas,
        AccessMode accessMode,
        boolean encrypted,
        long createdAtMillis,
        String node,
        List<MountRecord> mounts,
        List<String> replicaNodes,
        long epoch,
        Map<String, ReplicaRecord> replicaStates,
        String namespace) {

    /** The namespace of volumes created before namespaces existed, and of volumes created without one. */
    public static final String DEFAULT_NAMESPACE = "default";

    public VolumeRecord {
        namespace = namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace;
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        replicaNodes = replicaNodes == null || replicaNodes.isEmpty() ? (node == null ? List.of() : List.of(node)) : List.copyOf(replicaNodes);
        epoch = Math.max(1, epoch);
        replicaStates = replicaStates == null ? Map.of() : Map.copyOf(replicaStates);
    }

    public VolumeRecord(UUID id, String name, VolumeType volumeType, long sizeBytes, int blockSize, String storageClass,
                        int replicas, AccessMode accessMode, boolean encrypted, long createdAtMillis, String node,
                        List<MountRecord> mounts, List<String> replicaNodes) {
        this(id, name, volumeType, sizeBytes, blockSize, storageClass, replicas, accessMode, encrypted, createdAtMillis, node,
                mounts, replicaNodes, 1, Map.of(), DEFAULT_NAMESPACE);
    }

    /** A volume in the default namespace (how records written before namespaces read). */
    public VolumeRecord(UUID id, String name, VolumeType volumeType, long sizeBytes, int blockSize, String storageClass,
                        int replicas, AccessMode accessMode, boolean encrypted, long createdAtMillis, String node,
                        List<MountRecord> mounts, List<String> replicaNodes, long epoch, Map<String, ReplicaRecord> replicaStates) {
        this(id, name, volumeType, sizeBytes, blockSize, storageClass, replicas, accessMode, encrypted, createdAtMillis, node,
                mounts, replicaNodes, epoch, replicaStates, DEFAULT_NAMESPACE);
    }

    public VolumeRecord inNamespace(String ns) {
        return new VolumeRecord(id, name, volumeType, sizeBytes, blockSize, storageClass, replicas, accessMode, encrypted,
                createdAtMillis, node, mounts, replicaNodes, epoch, replicaStates, ns);
    }

    /** State of the copy on {@code nodeId}: the primary's copy is healthy by definition. */
    public ReplicaRecord replicaState(String nodeId) {
        return nodeId.equals(node) ? ReplicaRecord.HEALTHY_COPY : replicaStates.getOrDefault(nodeId, ReplicaRecord.HEALTHY_COPY);
    }

    public VolumeRecord withReplicaState(String nodeId, ReplicaRecord state) {
        Map<String, ReplicaRecord> states = new LinkedHashMap<>(replicaStates);
        states.put(nodeId, state);
        return new VolumeRecord(id, name, volumeType, sizeBytes, blockSize, storageClass, replicas, accessMode, encrypted,
                createdAtMillis, node, mounts, replicaNodes, epoch, states, namespace);
    }

    /** {@code newPrimary} takes over with the next epoch; the old primary's copy is stale (it may hold unshipped writes). */
    public VolumeRecord promoted(String newPrimary) {
        Map<String, ReplicaRecord> states = new LinkedHashMap<>(replicaStates);
        states.remove(newPrimary);
        states.put(node, new ReplicaRecord(ReplicaRecord.STALE, 0));
        List<String> order = new java.util.ArrayList<>();
        order.add(newPrimary);
        replicaNodes.stream().filter(n -> !n.equals(newPrimary)).forEach(order::add);
        return new VolumeRecord(id, name, volumeType, sizeBytes, blockSize, storageClass, replicas, accessMode, encrypted,
                createdAtMillis, newPrimary, mounts, order, epoch + 1, states, namespace);
    }

    /** The copy on {@code oldNode} moves to {@code newNode}, which starts empty and is rebuilt. */
    public VolumeRecord withReplicaMoved(String oldNode, String newNode) {
        Map<String, ReplicaRecord> states = new LinkedHashMap<>(replicaStates);
        states.remove(oldNode);
        states.put(newNode, new ReplicaRecord(ReplicaRecord.REBUILDING, 0));
        List<String> order = replicaNodes.stream().map(n -> n.equals(oldNode) ? newNode : n).toList();
        return new VolumeRecord(id, name, volumeType, sizeBytes, blockSize, storageClass, replicas, accessMode, encrypted,
                createdAtMillis, node, mounts, order, epoch, states, namespace);
    }

    /** One more copy, on {@code newNode}, which starts empty and is rebuilt. */
    public VolumeRecord withReplicaAdded(String newNode) {
        Map<String, ReplicaRecord> states = new LinkedHashMap<>(replicaStates);
        states.put(newNode, new ReplicaRecord(ReplicaRecord.REBUILDING, 0));
        List<String> order = new java.util.ArrayList<>(replicaNodes);
        order.add(newNode);
        return new VolumeRecord(id, name, volumeType, sizeBytes, blockSize, storageClass, replicas, accessMode, encrypted,
                createdAtMillis, node, mounts, order, epoch, states, namespace);
    }

    /** Without the replica on {@code oldNode}. */
    public VolumeRecord withReplicaDropped(String oldNode) {
        Map<String, ReplicaRecord> states = new LinkedHashMap<>(replicaStates);
        states.remove(oldNode);
        List<String> order = replicaNodes.stream().filter(n -> !n.equals(oldNode)).toList();
        return new VolumeRecord(id, name, volumeType, sizeBytes, blockSize, storageClass, replicas, accessMode, encrypted,
                createdAtMillis, node, mounts, order, epoch, states, namespace);
    }

    /** A volume whose only copy is on {@code node}. */
    public VolumeRecord(UUID id, String name, VolumeType volumeType, long sizeBytes, int blockSize, String storageClass,
                        int replicas, AccessMode accessMode, boolean encrypted, long createdAtMillis, String node,
                        List<MountRecord> mounts) {
        this(id, name, volumeType, sizeBytes, blockSize, storageClass, replicas, accessMode, encrypted, createdAtMillis, node,
                mounts, List.of());
    }

    public VolumeRecord withSize(long newSize) {
        return new VolumeRecord(id, name, volumeType, newSize, blockSize, storageClass, replicas, accessMode, encrypted,
                createdAtMillis, node, mounts, replicaNodes, epoch, replicaStates, namespace);
    }

    public VolumeRecord withMounts(List<MountRecord> newMounts) {
        return new VolumeRecord(id, name, volumeType, sizeBytes, blockSize, storageClass, replicas, accessMode, encrypted,
                createdAtMillis, node, newMounts, replicaNodes, epoch, replicaStates, namespace);
    }
}
