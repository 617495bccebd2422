package io.galleonfs.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The node's control-plane REST API, as the CLI (and any Java client) calls it. Every path is under /api/v1. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface GalleonApi {

    @GET
    @Path("/volumes")
    List<VolumeInfo> listVolumes();

    @POST
    @Path("/volumes")
    VolumeInfo createVolume(CreateVolumeRequest request);

    @GET
    @Path("/volumes/{ref}")
    VolumeInfo getVolume(@PathParam("ref") String ref);

    @DELETE
    @Path("/volumes/{ref}")
    void deleteVolume(@PathParam("ref") String ref, @QueryParam("force") boolean force);

    /** Adds, overwrites and removes labels of a volume; answers the volume as it is afterwards. */
    @PUT
    @Path("/volumes/{ref}/labels")
    VolumeInfo setVolumeLabels(@PathParam("ref") String ref, VolumeLabelsRequest request);

    /** Writes the body at {@code offset}; the CLI sends large files as a sequence of such chunks. */
    @PUT
    @Path("/volumes/{ref}/data")
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    WriteResult writeData(@PathParam("ref") String ref, @QueryParam("offset") long offset,
                          @QueryParam("write_concern") String writeConcern, byte[] data);

    @GET
    @Path("/volumes/{ref}/data")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    byte[] readData(@PathParam("ref") String ref, @QueryParam("offset") long offset, @QueryParam("length") long length);

    @POST
    @Path("/volumes/{ref}/flush")
    void flushVolume(@PathParam("ref") String ref);

    @POST
    @Path("/volumes/{ref}/trim")
    VolumeInfo trimVolume(@PathParam("ref") String ref, TrimRequest request);

    @GET
    @Path("/volumes/{ref}/snapshots")
    List<SnapshotView> listSnapshots(@PathParam("ref") String ref);

    @POST
    @Path("/volumes/{ref}/snapshots")
    SnapshotView createSnapshot(@PathParam("ref") String ref, NameRequest request);

    @DELETE
    @Path("/volumes/{ref}/snapshots/{name}")
    void deleteSnapshot(@PathParam("ref") String ref, @PathParam("name") String name);

    @POST
    @Path("/volumes/{ref}/restore")
    VolumeInfo restoreVolume(@PathParam("ref") String ref, RestoreRequest request);

    @POST
    @Path("/volumes/{ref}/clone")
    VolumeInfo cloneVolume(@PathParam("ref") String ref, CloneRequest request);

    @POST
    @Path("/volumes/{ref}/expand")
    VolumeInfo expandVolume(@PathParam("ref") String ref, ExpandRequest request);

    @POST
    @Path("/volumes/{ref}/verify")
    VerifyResult verifyVolume(@PathParam("ref") String ref);

    @POST
    @Path("/volumes/{ref}/scrub")
    ScrubResult scrubVolume(@PathParam("ref") String ref);

    @POST
    @Path("/volumes/{ref}/bench")
    BenchResult bench(@PathParam("ref") String ref, BenchRequest request);

    /** I/O figures of the volume on the answering node (the I/O that entered there). */
    @GET
    @Path("/volumes/{ref}/metrics")
    VolumeMetrics volumeMetrics(@PathParam("ref") String ref);

    /** The volume's QoS policy in force and where it comes from (its own override or its storage class). */
    @GET
    @Path("/volumes/{ref}/qos")
    VolumeQosInfo getVolumeQos(@PathParam("ref") String ref);

    /** Sets the volume's own QoS policy (overrides its class's); applied online by the node serving the volume. */
    @PUT
    @Path("/volumes/{ref}/qos")
    VolumeQosInfo setVolumeQos(@PathParam("ref") String ref, QosPolicy policy);

    /** Removes the volume's own QoS policy; its class's policy (if any) applies again. */
    @DELETE
    @Path("/volumes/{ref}/qos")
    VolumeQosInfo clearVolumeQos(@PathParam("ref") String ref);

    /** Makes the volume follow the named QoS policy (replacing an inline one); changes of that policy apply online. */
    @PUT
    @Path("/volumes/{ref}/qos-policy")
    VolumeQosInfo setVolumeQosPolicy(@PathParam("ref") String ref, QosPolicyRef policy);

    /** Removes the volume's own QoS (named or inline); its storage class's applies again. */
    @DELETE
    @Path("/volumes/{ref}/qos-policy")
    VolumeQosInfo clearVolumeQosPolicy(@PathParam("ref") String ref);

    // --- named QoS policies (the seed's QoSPolicy) ---

    @POST
    @Path("/qos-policies")
    QosPolicyInfo createQosPolicy(QosPolicy policy);

    /** Replaces a named policy; every volume following it gets the new values online. */
    @PUT
    @Path("/qos-policies/{name}")
    QosPolicyInfo updateQosPolicy(@PathParam("name") String name, QosPolicy policy);

    @GET
    @Path("/qos-policies")
    List<QosPolicyInfo> listQosPolicies();

    @GET
    @Path("/qos-policies/{name}")
    QosPolicyInfo getQosPolicy(@PathParam("name") String name);

    /** Refused (409) while volumes or classes use the policy, unless {@code force} (volumes then fall back to their class). */
    @DELETE
    @Path("/qos-policies/{name}")
    void deleteQosPolicy(@PathParam("name") String name, @QueryParam("force") boolean force);

    /** The answering node's volumes with I/O, sorted by {@code sort} (iops, throughput, latency or name), at most {@code limit}. */
    @GET
    @Path("/metrics/volumes")
    List<VolumeMetrics> topVolumes(@QueryParam("sort") String sort, @QueryParam("limit") int limit);

    /**
     * The cluster's I/O over the last second: every member (answering or not), every volume's client I/O summed over the
     * nodes it entered through, and replication apply per node, assembled by the answering node.
     */
    @GET
    @Path("/metrics/cluster")
    ClusterIoMetrics clusterMetrics();

    /** Mounts the volume on the answering node (FUSE; a real file system in file-system mode). */
    @POST
    @Path("/volumes/{ref}/mounts")
    MountInfo mountVolume(@PathParam("ref") String ref, MountRequest request);

    @GET
    @Path("/volumes/{ref}/mounts")
    List<MountInfo> listVolumeMounts(@PathParam("ref") String ref);

    @DELETE
    @Path("/volumes/{ref}/mounts/{id}")
    void unmount(@PathParam("ref") String ref, @PathParam("id") String mountId, @QueryParam("force") boolean force);

    /** Unmounts the volume's mounts on the answering node, or only the one at {@code path}; returns what was unmounted. */
    @DELETE
    @Path("/volumes/{ref}/mounts")
    List<MountInfo> unmountVolume(@PathParam("ref") String ref, @QueryParam("path") String path, @QueryParam("force") boolean force);

    /** Every mount in the cluster. */
    @GET
    @Path("/mounts")
    List<MountInfo> listMounts();

    /** Unmounts whichever volume is mounted at {@code path} on the answering node. */
    @DELETE
    @Path("/mounts")
    MountInfo unmountPath(@QueryParam("path") String path, @QueryParam("force") boolean force);

    @GET
    @Path("/storage-classes")
    List<StorageClassInfo> listStorageClasses();

    @GET
    @Path("/storage-classes/{name}")
    StorageClassInfo getStorageClass(@PathParam("name") String name);

    @POST
    @Path("/storage-classes")
    StorageClassInfo createStorageClass(StorageClassInfo storageClass);

    @DELETE
    @Path("/storage-classes/{name}")
    void deleteStorageClass(@PathParam("name") String name);

    @GET
    @Path("/cluster/status")
    ClusterStatus clusterStatus();

    @GET
    @Path("/cluster/peers")
    List<PeerInfo> clusterPeers();

    @POST
    @Path("/cluster/join")
    ClusterStatus joinCluster(JoinRequest request);

    @POST
    @Path("/cluster/leave")
    ClusterStatus leaveCluster(@QueryParam("force") boolean force);

    @GET
    @Path("/daemon/status")
    DaemonStatus daemonStatus();

    @GET
    @Path("/daemon/config")
    DaemonConfigInfo daemonConfig();

    @POST
    @Path("/daemon/stop")
    DaemonAction stopDaemon();

    /** This node's IOPS capacity for QoS reservations. */
    @GET
    @Path("/daemon/capacity")
    NodeCapacityInfo nodeCapacity();

    /** Measures, stores and applies this node's IOPS capacity (admin only; takes about seconds + 1 s). */
    @POST
    @Path("/daemon/calibrate")
    NodeCapacityInfo calibrateNode(@QueryParam("seconds") int seconds);

    @POST
    @Path("/daemon/restart")
    DaemonAction restartDaemon();

    /** Creates an API token; the answer is the only place its secret is ever shown. Admin only. */
    @POST
    @Path("/tokens")
    TokenInfo createToken(CreateTokenRequest request);

    /** Tokens without secrets or hashes. Admin only. */
    @GET
    @Path("/tokens")
    List<TokenInfo> listTokens();

    @DELETE
    @Path("/tokens/{name}")
    void revokeToken(@PathParam("name") String name);

    /** Creates a backup target: initialises its repository, or adopts an existing one with the recovery passphrase. Admin. */
    @POST
    @Path("/backup-targets")
    BackupTargetInfo createBackupTarget(CreateBackupTargetRequest request);

    @GET
    @Path("/backup-targets")
    List<BackupTargetInfo> listBackupTargets();

    @GET
    @Path("/backup-targets/{name}")
    BackupTargetInfo getBackupTarget(@PathParam("name") String name);

    @DELETE
    @Path("/backup-targets/{name}")
    void deleteBackupTarget(@PathParam("name") String name, @QueryParam("force") boolean force);

    @POST
    @Path("/backup-targets/{name}/prune")
    JobInfo pruneBackupTarget(@PathParam("name") String name, @QueryParam("wait") boolean wait);

    @POST
    @Path("/backups")
    JobInfo createBackup(CreateBackupRequest request, @QueryParam("wait") boolean wait);

    @GET
    @Path("/backups")
    List<BackupView> listBackups(@QueryParam("volume") String volume);

    @GET
    @Path("/backups/{id}")
    BackupView getBackup(@PathParam("id") String id);

    @DELETE
    @Path("/backups/{id}")
    void deleteBackup(@PathParam("id") String id);

    @POST
    @Path("/backups/{id}/restore")
    JobInfo restoreBackup(@PathParam("id") String id, RestoreBackupRequest request, @QueryParam("wait") boolean wait);

    @POST
    @Path("/backups/{id}/verify")
    JobInfo verifyBackup(@PathParam("id") String id, @QueryParam("quick") boolean quick, @QueryParam("wait") boolean wait);

    @POST
    @Path("/backups/{id}/copy")
    JobInfo copyBackup(@PathParam("id") String id, CopyBackupRequest request, @QueryParam("wait") boolean wait);

    @GET
    @Path("/jobs")
    List<JobInfo> listJobs();

    @GET
    @Path("/jobs/{id}")
    JobInfo getJob(@PathParam("id") String id);

    @POST
    @Path("/jobs/{id}/cancel")
    JobInfo cancelJob(@PathParam("id") String id);
    // --- backup and snapshot policies (run by galleon-scheduler) ---

    @POST
    @Path("/policies")
    PolicyInfo createPolicy(PolicySpec spec);

    @GET
    @Path("/policies")
    List<PolicyInfo> listPolicies();

    @GET
    @Path("/policies/{name}")
    PolicyInfo getPolicy(@PathParam("name") String name);

    @DELETE
    @Path("/policies/{name}")
    void deletePolicy(@PathParam("name") String name);

    /** Renames a policy; what its runs created stays its own (retention still prunes it). */
    @POST
    @Path("/policies/{name}/rename")
    PolicyInfo renamePolicy(@PathParam("name") String name, NameRequest request);

    @POST
    @Path("/policies/{name}/suspend")
    PolicyInfo suspendPolicy(@PathParam("name") String name);

    @POST
    @Path("/policies/{name}/resume")
    PolicyInfo resumePolicy(@PathParam("name") String name);

    /** Queues one manual run; a scheduler claims and runs it. */
    @POST
    @Path("/policies/{name}/run-now")
    PolicyRunInfo runPolicyNow(@PathParam("name") String name);

    /** Runs newest first, at most {@code limit} (0: all kept). */
    @GET
    @Path("/policies/{name}/history")
    List<PolicyRunInfo> policyHistory(@PathParam("name") String name, @QueryParam("limit") int limit);
    /** The answering node's audit records at or after {@code since} (instant or age such as 2h), oldest first (admin). */
    @GET
    @Path("/audit")
    List<AuditEntry> listAudit(@QueryParam("since") String since, @QueryParam("limit") int limit);

    /** Checks the answering node's audit chain (admin). */
    @GET
    @Path("/audit/verify")
    AuditVerification verifyAudit();

    /** The answering node's master keys and the volumes each wraps (admin). */
    @GET
    @Path("/keys")
    MasterKeyInfo keyStatus();

    /** Creates a new master key on the answering node and rewraps every data key there online (admin). */
    @POST
    @Path("/keys/rotate")
    MasterKeyRotationResult rotateKey(@QueryParam("destroy_old") boolean destroyOld);

    /** Destroys the answering node's retired master keys; refused while a volume still needs one (admin). */
    @POST
    @Path("/keys/destroy-old")
    MasterKeyRotationResult destroyOldKeys();

    /** Creates a cluster join token (admin); from then on new nodes need one to join. */
    @POST
    @Path("/cluster/join-tokens")
    JoinTokenInfo createJoinToken(CreateJoinTokenRequest request);
}
