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
    @JsonSubTypes.Type(value = MetaCommand.CreateBackupTarget.class, name = "create_backup_target"),
    @JsonSubTypes.Type(value = MetaCommand.DeleteBackupTarget.class, name = "delete_backup_target"),
    @JsonSubTypes.Type(value = MetaCommand.PutBackup.class, name = "put_backup"),
    @JsonSubTypes.Type(value = MetaCommand.DeleteBackup.class, name = "delete_backup"),
    @JsonSubTypes.Type(value = MetaCommand.PutJob.class, name = "put_job"),
    @JsonSubTypes.Type(value = MetaCommand.FailJobsOfNode.class, name = "fail_jobs_of_node"),
    @JsonSubTypes.Type(value = MetaCommand.CreatePolicy.class, name = "create_policy"),
    @JsonSubTypes.Type(value = MetaCommand.DeletePolicy.class, name = "delete_policy"),
    @JsonSubTypes.Type(value = MetaCommand.SetPolicySuspended.class, name = "set_policy_suspended"),
    @JsonSubTypes.Type(value = MetaCommand.RequestPolicyRun.class, name = "request_policy_run"),
    @JsonSubTypes.Type(value = MetaCommand.ClaimPolicySlot.class, name = "claim_policy_slot"),
    @JsonSubTypes.Type(value = MetaCommand.AcquirePolicyRun.class, name = "acquire_policy_run"),
    @JsonSubTypes.Type(value = MetaCommand.UpdatePolicyRun.class, name = "update_policy_run"),
    @JsonSubTypes.Type(value = MetaCommand.RecordMissedRuns.class, name = "record_missed_runs"),
    @JsonSubTypes.Type(value = MetaCommand.MarkArtifactsPruned.class, name = "mark_artifacts_pruned"),
    @JsonSubTypes.Type(value = MetaCommand.SetVolumeQos.class, name = "set_volume_qos"),
    @JsonSubTypes.Type(value = MetaCommand.CreateJoinToken.class, name = "create_join_token"),
    @JsonSubTypes.Type(value = MetaCommand.CreateLabelledVolume.class, name = "create_labelled_volume"),
    @JsonSubTypes.Type(value = MetaCommand.SetVolumeLabels.class, name = "set_volume_labels"),
    @JsonSubTypes.Type(value = MetaCommand.RenamePolicy.class, name = "rename_policy"),
    @JsonSubTypes.Type(value = MetaCommand.UpdatePolicy.class, name = "update_policy"),
    @JsonSubTypes.Type(value = MetaCommand.PutKeyedBackup.class, name = "put_keyed_backup"),
    @JsonSubTypes.Type(value = MetaCommand.PutQosPolicy.class, name = "put_qos_policy"),
    @JsonSubTypes.Type(value = MetaCommand.DeleteQosPolicy.class, name = "delete_qos_policy"),
    @JsonSubTypes.Type(value = MetaCommand.SetVolumeQosPolicy.class, name = "set_volume_qos_policy"),
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

    /** Adds a backup target; refused when the name is taken. */
    record CreateBackupTarget(BackupTargetRecord target) implements MetaCommand {
    }

    /** Removes a backup target; refused while catalog entries reference it unless {@code force} (which forgets them). */
    record DeleteBackupTarget(String name, boolean force) implements MetaCommand {
    }

    /** Adds or replaces a catalog entry; refused when its target does not exist. */
    record PutBackup(BackupRecord backup) implements MetaCommand {
    }

    record DeleteBackup(String id) implements MetaCommand {
    }

    /** Adds or updates a job; refused when the job already finished (terminal states are final). */
    record PutJob(JobRecord job) implements MetaCommand {
    }

    /**
     * Fails every unfinished job of {@code node} not run by process {@code keepIncarnation} (null: all of them), and the
     * running backups they were making: how jobs of a node that died or restarted end instead of staying running.
     */
    record FailJobsOfNode(String node, String keepIncarnation, String reason, long nowMillis) implements MetaCommand {
    }

    /** Stores a backup or snapshot policy; refused when the name is taken. */
    record CreatePolicy(PolicyRecord policy) implements MetaCommand {
    }

    /** Forgets a policy and its run history; what its runs created stays (it is the user's data). */
    record DeletePolicy(String name) implements MetaCommand {
    }

    record SetPolicySuspended(String name, boolean suspended) implements MetaCommand {
    }

    /** run-now: a pending manual run that a scheduler acquires. */
    record RequestPolicyRun(String policy, UUID runId, long nowMillis) implements MetaCommand {
    }

    /**
     * A scheduler claims the firing at {@code scheduledForMillis}; refused unless it is later than every firing handled
     * before, so each firing is claimed once however many schedulers race for it.
     */
    record ClaimPolicySlot(String policy, UUID runId, long scheduledForMillis, String claimant, long nowMillis, long leaseMillis)
            implements MetaCommand {
    }

    /** A scheduler takes a pending manual run, or a running one whose holder let its lease expire. */
    record AcquirePolicyRun(String policy, UUID runId, String claimant, long nowMillis, long leaseMillis) implements MetaCommand {
    }

    /** The holder renews its lease (status running) or ends the run (succeeded, failed). */
    record UpdatePolicyRun(String policy, UUID runId, String claimant, String status, long nowMillis, long leaseMillis, String error,
                           java.util.List<PolicyRunRecord.Artifact> artifacts) implements MetaCommand {
    }

    /** Firings up to {@code toMillis} were too late to start; recorded once, as one history entry. */
    record RecordMissedRuns(String policy, UUID runId, long fromMillis, long toMillis, long count, long nowMillis) implements MetaCommand {
    }

    /** Retention deleted these artifacts of the policy's runs. */
    record MarkArtifactsPruned(String policy, java.util.List<String> artifactIds) implements MetaCommand {
    }

    /** Sets a volume's own QoS policy (validated by the caller), or removes it when {@code policy} is null. */
    record SetVolumeQos(UUID volumeId, io.galleonfs.api.QosPolicy policy) implements MetaCommand {
    }

    /** Adds a cluster join token (its secret's hash); from then on joining nodes must present one (see JoinAdmission). */
    record CreateJoinToken(io.galleonfs.node.auth.JoinTokenRecord token) implements MetaCommand {
    }

    /** {@link CreateVolume} with the volume's labels (validated by the caller), in one entry: never a volume without its labels. */
    record CreateLabelledVolume(VolumeRecord volume, java.util.Map<String, String> labels) implements MetaCommand {
    }

    /** Replaces a volume's labels (validated by the caller); an empty map removes them all. */
    record SetVolumeLabels(UUID volumeId, java.util.Map<String, String> labels) implements MetaCommand {
    }

    /**
     * Renames a policy keeping its id, watermark and run history: its runs' artifacts stay in its history, so retention
     * still finds and prunes what it created under the old name (Longhorn's renamed recurring jobs leaked theirs).
     */
    record RenamePolicy(String name, String newName) implements MetaCommand {
    }

    /**
     * Replaces a policy's spec (same name). The id, creation time, schedule watermark and suspended state stay those of
     * the stored policy, so an edit neither replays past firings nor resumes a suspended policy; its history stays too.
     */
    record UpdatePolicy(PolicyRecord policy) implements MetaCommand {
    }

    /**
     * {@link PutBackup} of a new running backup that binds {@code idempotencyKey} to it; refused (conflict) when the key
     * already names a backup that is running or completed, so a retried request with the key never makes a second backup.
     */
    record PutKeyedBackup(BackupRecord backup, String idempotencyKey, long nowMillis) implements MetaCommand {
    }

    /**
     * Creates ({@code create}: refused if the name exists) or replaces (refused if it does not) a named QoS policy,
     * validated by the caller; volumes following it pick up a replacement online.
     */
    record PutQosPolicy(io.galleonfs.api.QosPolicy policy, boolean create) implements MetaCommand {
    }

    /**
     * Deletes a named QoS policy. Refused while a volume or storage class uses it unless {@code force}: then volumes'
     * references are dropped (their class's QoS applies) and classes keep naming a policy that no longer exists.
     */
    record DeleteQosPolicy(String name, boolean force) implements MetaCommand {
    }

    /** The volume follows the named policy (its inline policy is dropped); null removes the volume's own QoS, named or inline. */
    record SetVolumeQosPolicy(UUID volumeId, String policy) implements MetaCommand {
    }
}
