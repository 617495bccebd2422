package io.galleonfs.node.meta;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.UUID;

/**
 * A change to cluster metadata. Commands carry every value they need (ids, timestamps) so that applying one is
 * deterministic: the same sequence of commands yields the same state on every replica of the state machine.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
    @JsonSubTypes.Type(value = MetaCommand.CreateVolume.class, name = "create_volume"),
    @JsonSubTypes.Type(value = MetaCommand.DeleteVolume.class, name = "delete_volume"),
    @JsonSubTypes.Type(value = MetaCommand.ResizeVolume.class, name = "resize_volume"),
    @JsonSubTypes.Type(value = MetaCommand.CreateStorageClass.class, name = "create_storage_class"),
    @JsonSubTypes.Type(value = MetaCommand.DeleteStorageClass.class, name = "delete_storage_class"),
    @JsonSubTypes.Type(value = MetaCommand.InitCluster.class, name = "init_cluster"),
    @JsonSubTypes.Type(value = MetaCommand.RegisterNode.class, name = "register_node"),
    @JsonSubTypes.Type(value = MetaCommand.RemoveNode.class, name = "remove_node"),
    @JsonSubTypes.Type(value = MetaCommand.AddMount.class, name = "add_mount"),
    @JsonSubTypes.Type(value = MetaCommand.RemoveMount.class, name = "remove_mount"),
    @JsonSubTypes.Type(value = MetaCommand.SetReplicaState.class, name = "set_replica_state"),
    @JsonSubTypes.Type(value = MetaCommand.PromotePrimary.class, name = "promote_primary"),
    @JsonSubTypes.Type(value = MetaCommand.MoveReplica.class, name = "move_replica"),
    @JsonSubTypes.Type(value = MetaCommand.AddReplica.class, name = "add_replica"),
    @JsonSubTypes.Type(value = MetaCommand.DropReplica.class, name = "drop_replica"),
    @JsonSubTypes.Type(value = MetaCommand.CreateToken.class, name = "create_token"),
    @JsonSubTypes.Type(value = MetaCommand.RevokeToken.class, name = "revoke_token"),
    @JsonSubTypes.Type(value = MetaCommand.CreateJoinToken.class, name = "create_join_token"),
})
public sealed interface MetaCommand {

    record CreateVolume(VolumeRecord volume) implements MetaCommand {
    }

    record DeleteVolume(UUID id) implements MetaCommand {
    }

    record ResizeVolume(UUID id, long newSizeBytes) implements MetaCommand {
    }

    record CreateStorageClass(StorageClassRecord storageClass) implements MetaCommand {
    }

    record DeleteStorageClass(String name) implements MetaCommand {
    }

    /** Names the cluster once, when its first node starts; later attempts are rejected. */
    record InitCluster(String clusterId, long createdAtMillis) implements MetaCommand {
    }

    /** Adds or updates a member's static facts (addresses, zone, labels, capacity). */
    record RegisterNode(NodeRecord node) implements MetaCommand {
    }

    /**
     * The primary of epoch {@code epoch} reports a copy's state. Refused when the epoch is not the volume's current one,
     * so a deposed primary cannot change replica states.
     */
    record SetReplicaState(UUID volumeId, long epoch, String nodeId, ReplicaRecord state) implements MetaCommand {
    }

    /** Makes a healthy replica the primary with epoch {@code expectedEpoch + 1}; refused if the epoch moved meanwhile. */
    record PromotePrimary(UUID volumeId, long expectedEpoch, String newPrimary) implements MetaCommand {
    }

    /** Re-places the copy on {@code fromNode} onto {@code toNode} (which is then rebuilt). */
    record MoveReplica(UUID volumeId, long expectedEpoch, String fromNode, String toNode) implements MetaCommand {
    }

    /**
     * Adds a copy on {@code toNode} beyond the volume's replica count (it starts empty and is rebuilt): how the only
     * copy of a volume leaves a node, since the primary's copy cannot move while it serves.
     */
    record AddReplica(UUID volumeId, long expectedEpoch, String toNode) implements MetaCommand {
    }

    /** Removes the surplus copy on {@code node}, a replica; refused if fewer copies than the replica count would remain. */
    record DropReplica(UUID volumeId, long expectedEpoch, String node) implements MetaCommand {
    }

    /** Records a mount of a volume on a node; refused when the volume's access mode does not allow it (see MountRules). */
    record AddMount(UUID volumeId, MountRecord mount) implements MetaCommand {
    }

    /** Forgets a mount; the node that holds it unmounts it if it is still mounted there. */
    record RemoveMount(UUID volumeId, String mountId) implements MetaCommand {
    }

    /** Forgets a member that left the cluster. */
    record RemoveNode(String nodeId) implements MetaCommand {
    }

    /** Adds an API token (its secret's hash only); refused when the name is taken. */
    record CreateToken(io.galleonfs.node.auth.TokenRecord token) implements MetaCommand {
    }

    /** Removes an API token: requests carrying its secret are refused from then on. */
    record RevokeToken(String name) implements MetaCommand {
    }

    /** Adds a cluster join token (its secret's hash); from then on joining nodes must present one (see JoinAdmission). */
    record CreateJoinToken(io.galleonfs.node.auth.JoinTokenRecord token) implements MetaCommand {
    }
}
