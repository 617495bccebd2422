package io.galleonfs.node.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IngressBudgetTest {
    @Test
    void takesWhatFitsAndQueuesAWaiterUntilARelease() {
        IngressBudget b = new IngressBudget("t", 100);
        assertTrue(b.tryAcquire(60));
        AtomicInteger woken = new AtomicInteger();
        Runnable waiter = woken::incrementAndGet;
        assertFalse(b.acquireOrWait(50, waiter));
        assertFalse(b.acquireOrWait(50, waiter), "a waiter is queued once");
        assertEquals(1, b.waiting());
        assertEquals(60, b.used(), "nothing is taken while waiting");
        b.release(10);
        assertEquals(1, woken.get(), "every release lets the waiters try again");
        assertEquals(0, b.waiting(), "a waiter runs once; it queues itself again if it still does not fit");
        assertTrue(b.acquireOrWait(50, waiter));
        assertEquals(100, b.used());
        b.release(100);
        assertEquals(1, woken.get(), "no waiter left");
        assertEquals(0, b.used());
    }

    @Test
    void aRequestLargerThanTheBudgetIsGrantedOnlyWhenNothingElseIsHeld() {
        IngressBudget b = new IngressBudget("t", 100);
        assertTrue(b.tryAcquire(1));
        assertFalse(b.tryAcquire(500));
        b.release(1);
        assertTrue(b.tryAcquire(500), "otherwise it would wait forever");
        assertFalse(b.tryAcquire(1));
        b.release(500);
    }

    @Test
    void aCancelledWaiterIsNotWoken() {
        IngressBudget b = new IngressBudget("t", 10);
        assertTrue(b.tryAcquire(10));
        AtomicInteger woken = new AtomicInteger();
        Runnable waiter = woken::incrementAndGet;
        assertFalse(b.acquireOrWait(5, waiter));
        b.cancel(waiter);
        b.release(10);
        assertEquals(0, woken.get());
    }

    @Test
    void returningMoreThanWasTakenIsABug() {
        IngressBudget b = new IngressBudget("t", 10);
        assertTrue(b.tryAcquire(5));
        assertThrows(IllegalStateException.class, () -> b.release(6));
        assertThrows(IllegalArgumentException.class, () -> b.tryAcquire(-1));
        assertThrows(IllegalArgumentException.class, () -> new IngressBudget("t", 0));
    }

    @Test
    void aWaiterMayTakeBytesFromInsideItsWakeUp() {
        IngressBudget b = new IngressBudget("t", 10);
        assertTrue(b.tryAcquire(10));
        boolean[] got = {false};
        Runnable[] waiter = new Runnable[1];
        waiter[0] = () -> got[0] = b.acquireOrWait(10, waiter[0]);
        assertFalse(b.acquireOrWait(10, waiter[0]));
        b.release(10);
        assertTrue(got[0], "the release runs waiters outside its lock");
        assertEquals(10, b.used());
    }

    @Test
    void limitsDefaultToAnEighthOfASmallHeapAndReadOverrides() {
        IngressLimits d = IngressLimits.defaults(8L << 30);
        assertEquals(256L << 20, d.clientBudgetBytes());
        assertEquals(Duration.ofSeconds(30), d.readTimeout());
        assertEquals(Duration.ofSeconds(10), d.handshakeTimeout());
        assertEquals(1024, d.maxConnections());
        assertEquals(128L << 20, IngressLimits.defaults(1L << 30).peerBudgetBytes());
        assertEquals(64L << 20, IngressLimits.defaults(64L << 20).peerBudgetBytes(), "never below 64 MiB");
        Map<String, String> props = Map.of("galleon.ingress.read-timeout-ms", "2500", "galleon.ingress.max-connections-per-address", "7");
        IngressLimits o = IngressLimits.from(props::get, 8L << 30);
        assertEquals(Duration.ofMillis(2500), o.readTimeout());
        assertEquals(7, o.maxConnectionsPerAddress());
        assertEquals(d.clientBudgetBytes(), o.clientBudgetBytes());
        assertThrows(IllegalArgumentException.class, () -> IngressLimits.from(Map.of("galleon.ingress.max-connections", "x")::get, 1L << 30));
    }

    @Test
    void connectionsAreCappedInTotalAndPerAddress() {
        ConnectionLimiter l = new ConnectionLimiter("test", 3, 2);
        assertTrue(l.tryAdmit("10.0.0.1"));
        assertTrue(l.tryAdmit("10.0.0.1"));
        assertFalse(l.tryAdmit("10.0.0.1"), "per address");
        assertTrue(l.tryAdmit("10.0.0.2"));
        assertFalse(l.tryAdmit("10.0.0.3"), "in total");
        l.release("10.0.0.1");
        assertTrue(l.tryAdmit("10.0.0.3"));
        assertFalse(l.tryAdmit("10.0.0.1"));
        l.release("10.0.0.2");
        assertTrue(l.tryAdmit("10.0.0.1"));
        assertEquals(3, l.open());
        l.release("nowhere");
        assertEquals(3, l.open(), "releasing an unknown address changes nothing");
    }
}
