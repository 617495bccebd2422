package io.galleonfs.node.volume.qos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.QosPolicy;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.StorageClassRecord;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.blockio.VolumeIo;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Named QoS policies in metadata and on the I/O path, on a simulated clock (waiting advances it; so does serving). */
class NamedQosPolicyTest {
    private final long[] now = {0};
    /** How long the fake volume takes to serve one request. */
    private long serviceNanos;
    private final VolumeQos qos = new VolumeQos(0, Duration.ofSeconds(5), () -> now[0], nanos -> now[0] += nanos, () -> false);
    private final MetadataState state = new MetadataState();
    private final UUID id = UUID.randomUUID();

    private MetaResult apply(MetaCommand c) {
        MetaResult r = state.apply(c);
        qos.onMetadata(state);
        return r;
    }

    private void applied(MetaCommand c) {
        assertInstanceOf(MetaResult.Applied.class, apply(c), "applied: " + c);
    }

    private MetaResult.Rejected rejected(MetaCommand c) {
        return assertInstanceOf(MetaResult.Rejected.class, apply(c), "rejected: " + c);
    }

    private static QosPolicy named(String name, long iops) {
        return new QosPolicy(name, new QosPolicy.Limits(iops, null, null), null, null);
    }

    private void storageClass(String name, Map<String, String> params, QosPolicy inline) {
        applied(new MetaCommand.CreateStorageClass(new StorageClassRecord(name, "galleonfs.io/local", params,
                StorageClassRecord.ReclaimPolicy.Delete, StorageClassRecord.VolumeBindingMode.Immediate, List.of(), List.of(), false, inline)));
    }

    private VolumeIo volume(String storageClass) {
        applied(new MetaCommand.CreateVolume(new VolumeRecord(id, "v", VolumeType.PERSISTENT, 1 << 30, 4096, storageClass, 1,
                AccessMode.READ_WRITE_ONCE, false, 0, "node-1", List.of())));
        return qos.wrap(new TimedVolumeIo(), state);
    }

    /** Seconds that {@code n} reads take on the simulated clock. */
    private double secondsFor(VolumeIo io, int n) throws Exception {
        long start = now[0];
        for (int i = 0; i < n; i++) {
            io.read(0, ByteBuffer.allocate(4096));
        }
        return (now[0] - start) / 1e9;
    }

    private QosResolution.Resolved resolved() {
        return QosResolution.resolve(state, state.volume(id).orElseThrow());
    }

    @Test
    void volumeFollowsItsPolicyAndAnUpdateAppliesOnlineToAnOpenWrapper() throws Exception {
        storageClass("plain", Map.of(), null);
        applied(new MetaCommand.PutQosPolicy(named("db", 100), true));
        VolumeIo io = volume("plain");
        assertEquals(0, secondsFor(io, 1_000), 0.0, "no policy yet: no wait");
        applied(new MetaCommand.SetVolumeQosPolicy(id, "db"));
        assertEquals("policy", resolved().source());
        assertEquals(10, secondsFor(io, 1_000), 0.1, "1,000 reads at 100 IOPS");
        applied(new MetaCommand.PutQosPolicy(named("db", 1_000), false));
        assertEquals(1, secondsFor(io, 1_000), 0.3, "the replaced policy (1,000 IOPS) governs the same wrapper");
        applied(new MetaCommand.SetVolumeQosPolicy(id, null));
        assertEquals("none", resolved().source());
        assertEquals(0, secondsFor(io, 1_000), 0.0);
    }

    @Test
    void createAndReplaceAreCheckedAgainstWhatExists() {
        applied(new MetaCommand.PutQosPolicy(named("db", 100), true));
        assertEquals(MetaResult.Reason.CONFLICT, rejected(new MetaCommand.PutQosPolicy(named("db", 200), true)).reason());
        assertEquals(MetaResult.Reason.NOT_FOUND, rejected(new MetaCommand.PutQosPolicy(named("web", 200), false)).reason());
        assertEquals(named("db", 100), state.qosPolicy("db").orElseThrow(), "refused commands changed nothing");
    }

    @Test
    void inlineAndNamedReplaceEachOtherOnAVolume() {
        storageClass("plain", Map.of(), null);
        applied(new MetaCommand.PutQosPolicy(named("db", 100), true));
        volume("plain");
        applied(new MetaCommand.SetVolumeQos(id, named(null, 7)));
        applied(new MetaCommand.SetVolumeQosPolicy(id, "db"));
        assertTrue(state.volumeQos(id).isEmpty(), "named replaced inline");
        assertEquals("db", resolved().policyName());
        applied(new MetaCommand.SetVolumeQos(id, named(null, 7)));
        assertTrue(state.volumeQosPolicy(id).isEmpty(), "inline replaced named");
        assertEquals("volume", resolved().source());
        assertEquals(7L, resolved().policy().limits().iops());
        assertEquals(MetaResult.Reason.NOT_FOUND, rejected(new MetaCommand.SetVolumeQosPolicy(id, "missing")).reason());
    }

    @Test
    void classParameterNamesADefaultPolicyThatAVolumePolicyOverrides() throws Exception {
        assertEquals(MetaResult.Reason.INVALID, rejected(new MetaCommand.CreateStorageClass(new StorageClassRecord("silver",
                "galleonfs.io/local", Map.of("qos_policy", "bulk"), StorageClassRecord.ReclaimPolicy.Delete,
                StorageClassRecord.VolumeBindingMode.Immediate, List.of(), List.of(), false))).reason(), "the policy must exist");
        applied(new MetaCommand.PutQosPolicy(named("bulk", 100), true));
        applied(new MetaCommand.PutQosPolicy(named("db", 1_000), true));
        storageClass("silver", Map.of("qos_policy", "bulk"), null);
        VolumeIo io = volume("silver");
        assertEquals("storage_class_policy", resolved().source());
        assertEquals(10, secondsFor(io, 1_000), 0.1);
        applied(new MetaCommand.SetVolumeQosPolicy(id, "db"));
        assertEquals(1, secondsFor(io, 1_000), 0.3);
        assertEquals(List.of("v"), state.volumesUsingQosPolicy("db"));
        assertEquals(List.of("silver"), state.classesUsingQosPolicy("bulk"));
    }

    @Test
    void deleteIsRefusedWhileInUseAndForceDetaches() throws Exception {
        applied(new MetaCommand.PutQosPolicy(named("bulk", 100), true));
        applied(new MetaCommand.PutQosPolicy(named("db", 50), true));
        storageClass("silver", Map.of("qos_policy", "bulk"), null);
        VolumeIo io = volume("silver");
        applied(new MetaCommand.SetVolumeQosPolicy(id, "db"));
        MetaResult.Rejected r = rejected(new MetaCommand.DeleteQosPolicy("db", false));
        assertEquals(MetaResult.Reason.CONFLICT, r.reason());
        assertTrue(r.detail().contains("volume(s) v"), r.detail());
        assertTrue(rejected(new MetaCommand.DeleteQosPolicy("bulk", false)).detail().contains("storage class(es) silver"));
        applied(new MetaCommand.DeleteQosPolicy("db", true));
        assertTrue(state.volumeQosPolicy(id).isEmpty());
        assertEquals("bulk", resolved().policyName(), "the volume falls back to its class's policy");
        assertEquals(10, secondsFor(io, 1_000), 0.1);
        applied(new MetaCommand.DeleteQosPolicy("bulk", true));
        assertEquals("none", resolved().source(), "a class naming a deleted policy applies nothing");
        assertEquals(0, secondsFor(io, 1_000), 0.0);
        assertEquals(MetaResult.Reason.NOT_FOUND, rejected(new MetaCommand.DeleteQosPolicy("bulk", false)).reason());
    }

    @Test
    void policiesAndReferencesSurviveASnapshot() throws Exception {
        storageClass("plain", Map.of(), null);
        applied(new MetaCommand.PutQosPolicy(named("db", 100), true));
        volume("plain");
        applied(new MetaCommand.SetVolumeQosPolicy(id, "db"));
        MetadataState restored = MetadataState.restore(state.snapshot());
        assertEquals(named("db", 100), restored.qosPolicy("db").orElseThrow());
        assertEquals("db", restored.volumeQosPolicy(id).orElseThrow());
        applied(new MetaCommand.DeleteVolume(id));
        MetadataState after = MetadataState.restore(state.snapshot());
        assertTrue(after.volumeQosPolicy(id).isEmpty());
        assertTrue(after.volumesUsingQosPolicy("db").isEmpty());
        applied(new MetaCommand.DeleteQosPolicy("db", false));
    }

    @Test
    void latencyTargetCountsBreachSecondsFromServiceTimeOnly() throws Exception {
        storageClass("plain", Map.of(), null);
        applied(new MetaCommand.PutQosPolicy(new QosPolicy("lat", new QosPolicy.Limits(100L, null, 10L), null, null), true));
        VolumeIo io = volume("plain");
        applied(new MetaCommand.SetVolumeQosPolicy(id, "lat"));
        QosSlot slot = qos.find(id).orElseThrow();
        serviceNanos = 2_000_000;
        secondsFor(io, 100); // throttled to 100 IOPS: the QoS delay does not count against the target
        qos.tick();
        assertEquals(0, slot.latencyBreachSeconds());
        assertFalse(slot.breachingLatencyTarget());
        serviceNanos = 20_000_000;
        secondsFor(io, 10);
        qos.tick();
        assertEquals(1, slot.latencyBreachSeconds());
        assertTrue(slot.breachingLatencyTarget());
        qos.tick();
        assertEquals(1, slot.latencyBreachSeconds(), "a second without requests is no breach");
        // One slow request in 200 (0.5 %) keeps the p99 under the target.
        serviceNanos = 1_000_000;
        secondsFor(io, 199);
        serviceNanos = 20_000_000;
        secondsFor(io, 1);
        qos.tick();
        assertEquals(1, slot.latencyBreachSeconds());
        applied(new MetaCommand.SetVolumeQosPolicy(id, null));
        secondsFor(io, 10);
        qos.tick();
        assertEquals(1, slot.latencyBreachSeconds(), "without a target nothing is timed");
    }

    /** A volume that takes {@code serviceNanos} of simulated time per request. */
    private final class TimedVolumeIo implements VolumeIo {
        @Override
        public UUID id() {
            return id;
        }

        @Override
        public String name() {
            return "v";
        }

        @Override
        public long sizeBytes() {
            return 1L << 30;
        }

        @Override
        public int blockSize() {
            return 4096;
        }

        @Override
        public void read(long offset, ByteBuffer dst) {
            now[0] += serviceNanos;
            dst.position(dst.limit());
        }

        @Override
        public void write(long offset, ByteBuffer src, WriteConcern concern) {
            now[0] += serviceNanos;
            src.position(src.limit());
        }

        @Override
        public void flush() {
        }

        @Override
        public void trim(long offset, long length) {
        }

        @Override
        public void readSnapshot(String snapshot, long offset, ByteBuffer dst) {
            dst.position(dst.limit());
        }
    }
}
