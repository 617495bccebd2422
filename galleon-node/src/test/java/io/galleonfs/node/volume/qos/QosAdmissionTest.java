package io.galleonfs.node.volume.qos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.QosPolicy;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.VolumeService;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Admission control of reservations: each node's reservations against that node's own capacity. */
class QosAdmissionTest {
    /** Applies commands to an in-memory state, as the Raft store does once they are committed. */
    private static final class MemoryStore implements MetadataStore {
        final MetadataState state = new MetadataState();

        @Override
        public MetadataState state() {
            return state;
        }

        @Override
        public MetaResult submit(MetaCommand command) {
            return state.apply(command);
        }
    }

    private final MemoryStore store = new MemoryStore();
    private final Map<String, Double> capacities = new HashMap<>();
    private final Map<String, Double> mbps = new HashMap<>();
    private QosService qos;

    @BeforeEach
    void setUp() {
        VolumeService volumes = new VolumeService(store, null, Clock.systemUTC(), UUID::randomUUID, null);
        qos = new QosService(volumes, store, node -> capacities.getOrDefault(node, 0.0), node -> mbps.getOrDefault(node, 0.0));
        capacities.put("n1", 1_000.0);
        store.submit(CapacityCalibrationTest.storageClass());
        for (String[] v : new String[][] {{"a", "n1"}, {"b", "n1"}, {"c", "n2"}}) {
            store.submit(new MetaCommand.CreateVolume(new VolumeRecord(UUID.randomUUID(), v[0], VolumeType.PERSISTENT, 1 << 30, 4096,
                    "fast-local-ssd", 1, AccessMode.READ_WRITE_ONCE, false, 0, v[1], List.of(), List.of(v[1]))));
        }
    }

    private static QosPolicy reserve(long iops) {
        return new QosPolicy(null, null, new QosPolicy.Guarantees(iops, null), null);
    }

    @Test
    void reservationsAboveTheNodesCapacityAreRefusedWithAClearError() {
        qos.set("a", reserve(600));
        GalleonException e = assertThrows(GalleonException.class, () -> qos.set("b", reserve(500)));
        assertEquals(GalleonException.Kind.CONFLICT, e.kind());
        assertTrue(e.getMessage().contains("on node n1 would total 1100 IOPS, above its capacity of 1000 IOPS (600 reserved now"),
                e.getMessage());
        assertTrue(e.getMessage().contains("node calibrate"), e.getMessage());
        qos.set("b", reserve(400));
        assertEquals(400, qos.get("b").effective().guarantees().iops());
    }

    private static QosPolicy reserveMbps(long throughputMbps) {
        return new QosPolicy(null, null, new QosPolicy.Guarantees(null, throughputMbps), null);
    }

    @Test
    void throughputReservationsAreAdmittedAgainstTheNodesMbpsCapacity() {
        qos.set("a", reserveMbps(500)); // no MB/s capacity known on n1 yet: not checked
        mbps.put("n1", 600.0);
        GalleonException e = assertThrows(GalleonException.class, () -> qos.set("b", reserveMbps(200)));
        assertEquals(GalleonException.Kind.CONFLICT, e.kind());
        assertTrue(e.getMessage().contains("volume 'b': the throughput reservations on node n1 would total 700 MB/s, above its "
                + "capacity of 600 MB/s (500 reserved now"), e.getMessage());
        qos.set("b", reserveMbps(100));
        // The two dimensions are independent: IOPS room does not buy MB/s and the other way round.
        qos.set("b", new QosPolicy(null, null, new QosPolicy.Guarantees(900L, 100L), null));
        assertThrows(GalleonException.class, () -> qos.set("b", new QosPolicy(null, null, new QosPolicy.Guarantees(100L, 101L), null)));
        assertEquals(100, qos.get("b").effective().guarantees().throughputMbps());
    }

    @Test
    void loweringIsAlwaysAllowedEvenOverCommitted() {
        qos.set("a", reserve(900));
        capacities.put("n1", 500.0); // a new, lower calibration
        qos.set("a", reserve(800));
        assertThrows(GalleonException.class, () -> qos.set("b", reserve(1)));
    }

    @Test
    void eachNodeHasItsOwnCapacityAndAnUnknownOneIsNotChecked() {
        qos.set("c", reserve(50_000));
        capacities.put("n2", 2_000.0);
        assertThrows(GalleonException.class, () -> qos.set("c", reserve(60_000)));
        qos.set("a", reserve(1_000));
    }
}
