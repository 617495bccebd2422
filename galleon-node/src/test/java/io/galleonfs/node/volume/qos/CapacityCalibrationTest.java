package io.galleonfs.node.volume.qos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.QosPolicy;
import io.galleonfs.api.VolumeType;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.VolumeRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Calibration: the real I/O test on a real engine, the stored file, and the capacity it gives the scheduler. */
class CapacityCalibrationTest {
    @TempDir
    Path dir;

    private BlockEngine engine() throws Exception {
        return BlockEngine.open(new EngineConfig(dir.resolve("engine"), 4096, 8L << 20, 16L << 20,
                FileKeyProvider.openOrCreate(dir.resolve("key"))));
    }

    @Test
    void measuresRealWritesAndRemovesItsTemporaryVolume() throws Exception {
        try (BlockEngine engine = engine()) {
            CapacityCalibrator calibrator = new CapacityCalibrator(engine, System::nanoTime, () -> 1234L);
            Calibration c = calibrator.measure(1);
            assertTrue(c.iops() > 0, c.toString());
            assertTrue(c.mbps() != null && c.mbps() > 0, "1 MiB write throughput measured too: " + c);
            assertEquals(1234L, c.measuredAtMillis());
            assertEquals(CapacityCalibrator.QUEUE_DEPTH, c.queueDepth());
            assertTrue(engine.volumeIds().isEmpty(), "temporary volume removed: " + engine.volumeIds());
            assertThrows(IllegalArgumentException.class, () -> calibrator.measure(0));
            assertThrows(IllegalArgumentException.class, () -> calibrator.measure(CapacityCalibrator.MAX_SECONDS + 1));
        }
    }

    @Test
    void aFailingEngineStillLosesTheTemporaryVolumeAndFreesTheCalibrator() throws Exception {
        BlockEngine engine = engine();
        engine.close();
        CapacityCalibrator calibrator = new CapacityCalibrator(engine, System::nanoTime, System::currentTimeMillis);
        assertThrows(Exception.class, () -> calibrator.measure(1));
        // Not stuck "busy" after a failure: a second attempt fails the same way, not with BusyException.
        Exception second = assertThrows(Exception.class, () -> calibrator.measure(1));
        assertFalse(second instanceof CapacityCalibrator.BusyException, second.toString());
    }

    @Test
    void theFileRoundTripsAndABrokenOneIsAClearError() throws Exception {
        CalibrationFile file = new CalibrationFile(dir);
        assertTrue(file.read().isEmpty());
        Calibration c = new Calibration(20_000, 1_700_000_000_000L, 3, 32, 800L);
        file.write(c);
        assertEquals(c, file.read().orElseThrow());
        // A calibration stored before throughput was measured still reads, without MB/s.
        Files.writeString(file.path(), "{\"iops\": 20000, \"measured_at_millis\": 1, \"seconds\": 3, \"queue_depth\": 32}");
        assertEquals(new Calibration(20_000, 1, 3, 32), file.read().orElseThrow());
        assertFalse(Files.exists(file.path().resolveSibling("capacity.json.tmp")));
        Files.writeString(file.path(), "{\"iops\": -5}");
        Exception e = assertThrows(java.io.IOException.class, file::read);
        assertTrue(e.getMessage().contains("node calibrate"), e.getMessage());
    }

    @Test
    void aConfiguredCapacityOverridesTheCalibrationWhichIsDerated() {
        Calibration c = new Calibration(20_000, 0, 3, 32);
        NodeCapacity none = new NodeCapacity(0, null);
        assertEquals(0, none.schedulable());
        assertEquals("none", none.source());
        NodeCapacity calibrated = new NodeCapacity(0, c);
        assertEquals(Math.floor(20_000 * NodeCapacity.USABLE_FRACTION), calibrated.schedulable());
        assertEquals("calibrated", calibrated.source());
        NodeCapacity configured = new NodeCapacity(5_000, c);
        assertEquals(5_000, configured.schedulable());
        assertEquals("configured", configured.source());
        assertEquals(0, calibrated.schedulableMbps(), "an IOPS-only calibration gives no MB/s capacity");
        assertEquals("none", calibrated.sourceMbps());
        Calibration both = new Calibration(20_000, 0, 3, 32, 800L);
        assertEquals(Math.floor(800 * NodeCapacity.USABLE_FRACTION), new NodeCapacity(0, both).schedulableMbps());
        NodeCapacity mbps = new NodeCapacity(0, 300, both);
        assertEquals(300, mbps.schedulableMbps());
        assertEquals("configured", mbps.sourceMbps());
        assertEquals("calibrated", mbps.source());
    }

    @Test
    void aNewCapacityTurnsStoredReservationsOnOnline() throws Exception {
        long[] now = {0};
        VolumeQos qos = new VolumeQos(0, Duration.ofSeconds(5), () -> now[0], nanos -> now[0] += nanos, () -> false);
        MetadataState state = new MetadataState();
        UUID id = UUID.randomUUID();
        state.apply(storageClass());
        state.apply(new MetaCommand.CreateVolume(new VolumeRecord(id, "b", VolumeType.PERSISTENT, 1 << 30, 4096, "fast-local-ssd", 1,
                AccessMode.READ_WRITE_ONCE, false, 0, "node-1", List.of())));
        state.apply(new MetaCommand.SetVolumeQos(id, new QosPolicy(null, null, new QosPolicy.Guarantees(100L, null), null)));
        var io = qos.wrap(new NullIo(id), state);
        io.read(0, java.nio.ByteBuffer.allocate(4096));
        qos.tick();
        assertFalse(qos.contended(), "no capacity: the reservation is stored but not enforced");

        qos.setCapacityIops(1_000);
        io.read(0, java.nio.ByteBuffer.allocate(4096));
        qos.tick();
        assertTrue(qos.contended(), "with a capacity the reserving volume is scheduled");
        assertEquals(900, qos.sharedRate(), 1e-9);

        qos.setCapacityIops(0);
        assertFalse(qos.contended());

        // A throughput reservation is turned on the same way by a byte capacity.
        state.apply(new MetaCommand.SetVolumeQos(id, new QosPolicy(null, null, new QosPolicy.Guarantees(null, 10L), null)));
        qos.onMetadata(state);
        io.read(0, java.nio.ByteBuffer.allocate(4096));
        qos.tick();
        assertFalse(qos.contended());
        qos.setCapacity(0, 100);
        io.read(0, java.nio.ByteBuffer.allocate(4096));
        qos.tick();
        assertTrue(qos.contended());
        assertEquals(90e6, qos.sharedBytesRate(), 1e-3);
        assertEquals(0, qos.sharedRate(), "no IOPS capacity: only bytes are scheduled");
    }

    static MetaCommand storageClass() {
        return new MetaCommand.CreateStorageClass(new io.galleonfs.node.meta.StorageClassRecord("fast-local-ssd", "galleonfs.io/local",
                java.util.Map.of(), io.galleonfs.node.meta.StorageClassRecord.ReclaimPolicy.Delete,
                io.galleonfs.node.meta.StorageClassRecord.VolumeBindingMode.Immediate, List.of(), List.of(), false, null));
    }

    /** A volume that serves every request at once. */
    private record NullIo(UUID id) implements io.galleonfs.node.blockio.VolumeIo {
        @Override
        public String name() {
            return "b";
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
        public void read(long offset, java.nio.ByteBuffer dst) {
            dst.position(dst.limit());
        }

        @Override
        public void write(long offset, java.nio.ByteBuffer src, io.galleonfs.node.blockio.WriteConcern concern) {
            src.position(src.limit());
        }

        @Override
        public void flush() {
        }

        @Override
        public void trim(long offset, long length) {
        }

        @Override
        public void readSnapshot(String snapshot, long offset, java.nio.ByteBuffer dst) {
            dst.position(dst.limit());
        }
    }
}
