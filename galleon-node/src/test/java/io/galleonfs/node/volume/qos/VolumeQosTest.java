package io.galleonfs.node.volume.qos;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The node's QoS wiring on a simulated clock: the waiter advances the clock by what it is asked to wait. */
class VolumeQosTest {
    private final long[] now = {0};
    private long waits;
    private final AtomicBoolean onLoop = new AtomicBoolean();
    private final VolumeQos qos = new VolumeQos(0, Duration.ofSeconds(1), () -> now[0], nanos -> {
        waits++;
        now[0] += nanos;
    }, onLoop::get);
    private final MetadataState state = new MetadataState();
    private final UUID id = UUID.randomUUID();

    VolumeQosTest() {
        apply(new MetaCommand.CreateStorageClass(new StorageClassRecord("plain", "galleonfs.io/local", Map.of(),
                StorageClassRecord.ReclaimPolicy.Delete, StorageClassRecord.VolumeBindingMode.Immediate, List.of(), List.of(), false)));
        apply(new MetaCommand.CreateStorageClass(new StorageClassRecord("gold", "galleonfs.io/local", Map.of(),
                StorageClassRecord.ReclaimPolicy.Delete, StorageClassRecord.VolumeBindingMode.Immediate, List.of(), List.of(), false,
                iops(1_000))));
    }

    private void apply(MetaCommand c) {
        assertTrue(state.apply(c) instanceof MetaResult.Applied, "applied: " + c);
    }

    private VolumeIo volume(String storageClass) {
        apply(new MetaCommand.CreateVolume(new VolumeRecord(id, "v", VolumeType.PERSISTENT, 1 << 30, 4096, storageClass, 1,
                AccessMode.READ_WRITE_ONCE, false, 0, "node-1", List.of())));
        return qos.wrap(new NullVolumeIo(id), state);
    }

    private static QosPolicy iops(long limit) {
        return new QosPolicy(null, new QosPolicy.Limits(limit, null, null), null, null);
    }

    private static void reads(VolumeIo io, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            io.read(0, ByteBuffer.allocate(4096));
        }
    }

    @Test
    void volumeWithoutPolicyNeverWaits() throws Exception {
        VolumeIo io = volume("plain");
        reads(io, 10_000);
        io.write(0, ByteBuffer.allocate(4096), WriteConcern.ACKNOWLEDGED);
        assertEquals(0, waits);
        assertEquals(0, qos.find(id).orElseThrow().throttledOperations());
    }

    @Test
    void limitSetOnlineAppliesToAnOpenWrapperAndClearingLiftsIt() throws Exception {
        VolumeIo io = volume("plain");
        apply(new MetaCommand.SetVolumeQos(id, iops(100)));
        qos.onMetadata(state);
        reads(io, 1_000);
        // 1,000 reads at 100 IOPS: 10 s less the 5-token window the bucket starts with.
        assertEquals(9.95, now[0] / 1e9, 0.02);
        QosSlot slot = qos.find(id).orElseThrow();
        assertEquals(now[0] / 1e9, slot.throttledSeconds(), 1e-6);
        assertTrue(slot.throttledOperations() >= 990, "throttled ops " + slot.throttledOperations());

        apply(new MetaCommand.SetVolumeQos(id, null));
        qos.onMetadata(state);
        long before = waits;
        reads(io, 1_000);
        assertEquals(before, waits);
    }

    @Test
    void classPolicyAppliesUnlessTheVolumeOverridesIt() throws Exception {
        VolumeIo io = volume("gold");
        assertEquals(iops(1_000), qos.find(id).orElseThrow().policy());
        reads(io, 2_000);
        assertEquals(1.95, now[0] / 1e9, 0.02);
        apply(new MetaCommand.SetVolumeQos(id, iops(10_000)));
        qos.onMetadata(state);
        assertEquals(iops(10_000), qos.find(id).orElseThrow().policy());
    }

    @Test
    void aStartedWriteIsAdmittedLikeAWrite() throws Exception {
        VolumeIo io = volume("plain");
        apply(new MetaCommand.SetVolumeQos(id, iops(100)));
        qos.onMetadata(state);
        for (int i = 0; i < 1_000; i++) {
            assertTrue(io.startWrite(0, ByteBuffer.allocate(4096), WriteConcern.ACKNOWLEDGED).isDone());
        }
        assertEquals(9.95, now[0] / 1e9, 0.02, "1,000 writes at 100 IOPS, as for reads");
    }

    @Test
    void waitIsBoundedAndCounted() throws Exception {
        VolumeIo io = volume("plain");
        apply(new MetaCommand.SetVolumeQos(id, new QosPolicy(null, new QosPolicy.Limits(null, 1L, null), null, null)));
        qos.onMetadata(state);
        io.read(0, ByteBuffer.allocate(8_000_000));
        assertEquals(Duration.ofSeconds(1).toNanos(), now[0]);
        assertEquals(1, qos.find(id).orElseThrow().overlongWaits());
    }

    @Test
    void neverWaitsOnAnEventLoop() throws Exception {
        VolumeIo io = volume("plain");
        apply(new MetaCommand.SetVolumeQos(id, iops(10)));
        qos.onMetadata(state);
        onLoop.set(true);
        reads(io, 100);
        assertEquals(0, waits);
    }

    @Test
    void deletedVolumeLosesItsSlot() {
        volume("gold");
        assertTrue(qos.find(id).isPresent());
        apply(new MetaCommand.DeleteVolume(id));
        qos.onMetadata(state);
        assertTrue(qos.find(id).isEmpty());
    }

    @Test
    void volumePolicySurvivesASnapshotAndGoesWithItsVolume() throws Exception {
        volume("plain");
        apply(new MetaCommand.SetVolumeQos(id, iops(42)));
        MetadataState restored = MetadataState.restore(state.snapshot());
        assertEquals(iops(42), restored.volumeQos(id).orElseThrow());
        assertEquals(iops(1_000), restored.storageClass("gold").orElseThrow().qos());
        apply(new MetaCommand.DeleteVolume(id));
        assertTrue(MetadataState.restore(state.snapshot()).volumeQos(id).isEmpty());
    }

    /** A volume that does nothing: only QoS is under test. */
    private record NullVolumeIo(UUID id) implements VolumeIo {
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
            dst.position(dst.limit());
        }

        @Override
        public void write(long offset, ByteBuffer src, WriteConcern concern) {
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
