package io.galleonfs.node.volume.qos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.QosPolicy;
import io.galleonfs.node.volume.GalleonException;
import org.junit.jupiter.api.Test;

class QosPoliciesTest {
    private static QosPolicy.Limits limits(Long iops, Long mbps) {
        return new QosPolicy.Limits(iops, mbps, null);
    }

    private static String refused(QosPolicy p) {
        GalleonException e = assertThrows(GalleonException.class, () -> QosPolicies.validate("v", p));
        assertEquals(GalleonException.Kind.BAD_REQUEST, e.kind());
        return e.getMessage();
    }

    @Test
    void seedExampleIsAccepted() {
        QosPolicy seed = new QosPolicy("database-qos", new QosPolicy.Limits(1000L, 100L, 10L), new QosPolicy.Guarantees(500L, 50L),
                new QosPolicy.Burstable(true, 300L, 2.0, 2.0));
        assertEquals(seed, QosPolicies.validate("v", seed));
    }

    @Test
    void badPoliciesAreRefusedWithTheField() {
        assertTrue(refused(new QosPolicy(null, limits(-1L, null), null, null)).contains("limits.iops"));
        assertTrue(refused(new QosPolicy(null, limits(null, 0L), null, null)).contains("limits.throughput_mbps"));
        assertTrue(refused(new QosPolicy(null, null, new QosPolicy.Guarantees(-5L, null), null)).contains("guarantees.iops"));
        assertTrue(refused(new QosPolicy(null, null, null, null)).contains("no limit"));
        assertTrue(refused(new QosPolicy(null, null, new QosPolicy.Guarantees(10L, null), new QosPolicy.Burstable(true, 30L, 2.0, null)))
                .contains("needs a limit"));
        assertTrue(refused(new QosPolicy(null, limits(100L, null), null, new QosPolicy.Burstable(true, null, 2.0, null)))
                .contains("duration_seconds"));
        assertTrue(refused(new QosPolicy(null, limits(100L, null), null, new QosPolicy.Burstable(true, 30L, 0.5, null)))
                .contains("iops_multiplier"));
        assertTrue(refused(new QosPolicy(null, limits(100L, null), null, new QosPolicy.Burstable(true, 30L, null, 2.0)))
                .contains("throughput_multiplier needs"));
        assertTrue(refused(new QosPolicy(null, limits(100L, null), new QosPolicy.Guarantees(200L, null), null)).contains("above"));
    }

    @Test
    void disabledBurstIsDropped() {
        QosPolicy p = QosPolicies.validate("v", new QosPolicy(null, limits(100L, null), null, new QosPolicy.Burstable(false, null, null, null)));
        assertNull(p.burstable());
    }
}
