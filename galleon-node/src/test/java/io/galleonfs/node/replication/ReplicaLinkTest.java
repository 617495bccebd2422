package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

/** The replica link's state changes: what each mode does with an ordered operation, a failure, a lost contact. */
class ReplicaLinkTest {
    private static ReplicaLink link(ReplicaLink.Mode mode) {
        return new ReplicaLink("n2", mode);
    }

    @Test
    void aLinkReceivingWritesIsSentTheOperationAndRemembersWhatItHasNotFlushed() {
        for (ReplicaLink.Mode mode : new ReplicaLink.Mode[] {ReplicaLink.Mode.IN_SYNC, ReplicaLink.Mode.REBUILDING}) {
            ReplicaLink l = link(mode);
            assertTrue(l.ordered(4, 6, false));
            assertEquals(RoaringBitmap.bitmapOfRange(4, 7), l.unflushed, mode.toString());
            assertTrue(l.ordered(10, 10, true), "a durable write is sent too");
            assertEquals(RoaringBitmap.bitmapOfRange(4, 7), l.unflushed, "but flushed there before it answers");
            assertTrue(l.dirty.isEmpty());
        }
    }

    @Test
    void aStaleLinkCollectsMissedBlocksAndOneWaitingForARebuildCollectsBlocksToResend() {
        ReplicaLink stale = link(ReplicaLink.Mode.STALE);
        assertFalse(stale.ordered(1, 2, false));
        assertEquals(RoaringBitmap.bitmapOfRange(1, 3), stale.dirty);
        ReplicaLink waiting = link(ReplicaLink.Mode.NEEDS_REBUILD);
        assertFalse(waiting.ordered(1, 2, true));
        assertEquals(RoaringBitmap.bitmapOfRange(1, 3), waiting.unflushed, "a resumed rebuild resends them");
    }

    @Test
    void anInSyncLinkThatFailsGoesStaleWithTheOperationAndWhatItHadNotFlushed() {
        ReplicaLink l = link(ReplicaLink.Mode.IN_SYNC);
        l.ordered(0, 0, false);
        assertTrue(l.failed(RoaringBitmap.bitmapOf(7)));
        assertEquals(ReplicaLink.Mode.STALE, l.mode);
        assertEquals(RoaringBitmap.bitmapOf(0, 7), l.dirty);
        assertTrue(l.unflushed.isEmpty());
        assertFalse(l.failed(RoaringBitmap.bitmapOf(9)), "already stale: no change to record");
        assertEquals(RoaringBitmap.bitmapOf(0, 7, 9), l.dirty);
    }

    @Test
    void aRebuildingLinkThatFailsNeedsARebuildAndKeepsTheBlocksToResend() {
        ReplicaLink l = link(ReplicaLink.Mode.REBUILDING);
        assertTrue(l.failed(RoaringBitmap.bitmapOf(3)));
        assertEquals(ReplicaLink.Mode.NEEDS_REBUILD, l.mode);
        assertEquals(RoaringBitmap.bitmapOf(3), l.unflushed);
        assertFalse(link(ReplicaLink.Mode.NEEDS_REBUILD).failed(RoaringBitmap.bitmapOf(3)));
    }

    @Test
    void aStructuralChangeMissedMeansARebuildFromAReset() {
        ReplicaLink l = link(ReplicaLink.Mode.STALE);
        l.rebuildCursor = 99;
        l.missedStructuralChange();
        assertEquals(ReplicaLink.Mode.NEEDS_REBUILD, l.mode);
        assertEquals(-1, l.rebuildCursor);
        assertTrue(l.resetNeeded);
    }

    @Test
    void lostContactAndCatchingUp() {
        ReplicaLink l = link(ReplicaLink.Mode.IN_SYNC);
        l.ordered(5, 5, false);
        l.lostWhileInSync();
        assertEquals(ReplicaLink.Mode.STALE, l.mode);
        assertEquals(RoaringBitmap.bitmapOf(5), l.dirty);
        l.inSync(42);
        assertEquals(ReplicaLink.Mode.IN_SYNC, l.mode);
        assertEquals(42, l.incarnation);
        l.ordered(8, 8, false);
        RoaringBitmap flushing = l.takeUnflushed();
        assertEquals(RoaringBitmap.bitmapOf(8), flushing);
        assertTrue(l.unflushed.isEmpty());
        l.ordered(9, 9, false);
        assertEquals(RoaringBitmap.bitmapOf(8), flushing, "blocks sent after the flush are not the flush's");
    }
}
