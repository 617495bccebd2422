package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

class RebuildMarksTest {

    @Test
    void blocksWrittenSinceAMarkIncludeEveryLaterGeneration() {
        RebuildMarks m = new RebuildMarks();
        m.reset(4);
        m.written(1, 2);
        m.mark(255);
        m.written(10, 10);
        m.mark(511);
        m.written(20, 21);
        assertEquals(RoaringBitmap.bitmapOf(10, 20, 21), m.writtenSince(4, 255));
        assertEquals(RoaringBitmap.bitmapOf(20, 21), m.writtenSince(4, 511));
    }

    @Test
    void onlyTheLastTwoMarksAreKeptBecauseNoPrimaryResumesFromAnOlderOne() {
        RebuildMarks m = new RebuildMarks();
        m.reset(4);
        m.mark(255);
        m.mark(511);
        m.mark(767);
        assertNull(m.writtenSince(4, 255));
        assertEquals(new RoaringBitmap(), m.writtenSince(4, 511));
    }

    @Test
    void anotherRebuildOrAnUnknownMarkMeansStartOver() {
        RebuildMarks m = new RebuildMarks();
        assertNull(m.writtenSince(0, 255), "no rebuild reset in this process");
        m.reset(4);
        m.mark(255);
        assertNull(m.writtenSince(3, 255), "a reset of another epoch");
        assertNull(m.writtenSince(4, 100), "a mark never sent here");
        m.reset(5);
        assertNull(m.writtenSince(4, 255), "reset again since");
        assertNull(m.writtenSince(5, 255), "the marks went with the reset");
    }
}
