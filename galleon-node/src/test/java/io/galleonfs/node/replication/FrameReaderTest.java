package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.ingress.IngressBudget;
import io.galleonfs.node.replication.DataMessage.ReplicaWrite;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The server-side reader under an ingress budget: bytes are taken as they arrive, a spent budget pauses the socket. */
class FrameReaderTest {
    private static final UUID VOL = UUID.fromString("0b5e4a2c-3b7e-4c1e-9f57-0d3c2a1b9e11");

    final List<DataMessage> frames = new ArrayList<>();
    final List<Long> held = new ArrayList<>();
    final ArrayDeque<Runnable> loop = new ArrayDeque<>();
    boolean paused;
    FrameReader reader;

    FrameReader reader(IngressBudget budget) {
        reader = new FrameReader(new FrameReader.FrameHandler() {
            @Override
            public void frame(long requestId, DataMessage message) {
                frames.add(message);
                held.add(reader.deliveredBytes());
            }

            @Override
            public void malformed(ProtocolException e) {
                throw new AssertionError(e);
            }
        }, budget, new FrameReader.Input() {
            @Override
            public void pause() {
                paused = true;
            }

            @Override
            public void resume() {
                paused = false;
            }

            @Override
            public void runOnLoop(Runnable task) {
                loop.add(task);
            }
        });
        return reader;
    }

    @Test
    void aHugeAnnouncedFrameHoldsOnlyTheBytesThatArrived() {
        IngressBudget budget = new IngressBudget("t", 64L << 20);
        FrameReader r = reader(budget);
        Buffer frame = DataCodec.encode(1, new ReplicaWrite(VOL, 1, 1, 0, false, new byte[8 << 20]));
        r.feed(frame.getBuffer(0, DataCodec.HEADER + 10));
        assertEquals(DataCodec.HEADER + 10, budget.used(), "the announced 8 MiB are not taken");
        long now = System.nanoTime();
        assertFalse(r.stalled(now, 30_000_000_000L));
        assertTrue(r.stalled(now + 31_000_000_000L, 30_000_000_000L), "a frame that stopped arriving is stalled");
        r.closed();
        assertEquals(0, budget.used());
    }

    @Test
    void aSpentBudgetPausesUntilARelease() {
        IngressBudget budget = new IngressBudget("t", 1 << 20);
        assertTrue(budget.tryAcquire(1 << 20));
        FrameReader r = reader(budget);
        Buffer frame = DataCodec.encode(7, new ReplicaWrite(VOL, 1, 1, 0, false, new byte[4096]));
        r.feed(frame.getBuffer(0, 1000));
        r.feed(frame.getBuffer(1000, frame.length()));
        assertTrue(paused);
        assertTrue(frames.isEmpty());
        assertFalse(r.stalled(System.nanoTime() + 60_000_000_000L, 30_000_000_000L), "waiting for the budget is not the peer's stall");
        budget.release(1 << 20);
        assertTrue(paused, "resumed on the event loop, not on the releasing thread");
        loop.poll().run();
        assertFalse(paused);
        assertEquals(1, frames.size());
        assertEquals(List.of((long) frame.length()), held, "the delivered frame's bytes are the handler's to give back");
        assertEquals(frame.length(), budget.used());
        budget.release(held.getFirst());
        assertEquals(0, budget.used());
    }

    @Test
    void withoutABudgetBytesAreOnlyParsed() {
        FrameReader r = reader(null);
        Buffer frame = DataCodec.encode(7, new DataMessage.Ok(3));
        r.feed(frame);
        assertEquals(1, frames.size());
        assertEquals(List.of(0L), held);
    }

    @Test
    void borrowedBuffersMayBeReusedOnceFeedReturns() {
        byte[] big = new byte[70_000];
        new java.util.Random(5).nextBytes(big);
        List<DataMessage> sent = List.of(new ReplicaWrite(VOL, 1, 1, 0, false, new byte[] {7}), new ReplicaWrite(VOL, 1, 2, 4096, true, big),
                new DataMessage.Ok(3));
        Buffer all = Buffer.buffer();
        sent.forEach(m -> all.appendBuffer(DataCodec.encode(1, m)));
        for (int chunk : new int[] {1, 23, 24, 25, 4096, 65536, all.length()}) {
            frames.clear();
            FrameReader r = reader(null);
            for (int pos = 0; pos < all.length(); pos += chunk) {
                int n = Math.min(all.length() - pos, chunk);
                // Read at an offset, as a slice of a larger netty buffer can be; scribbled over and freed after the call.
                ByteBuf read = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(n + 16);
                read.writeZero(16).writeBytes(all.getBytes(pos, pos + n)).readerIndex(16);
                r.feedBorrowed(read);
                read.setZero(0, read.capacity());
                read.release();
            }
            assertEquals(sent.size(), frames.size(), "chunks of " + chunk);
            assertEquals(7, ((ReplicaWrite) frames.get(0)).data()[0], "chunks of " + chunk);
            assertTrue(java.util.Arrays.equals(big, ((ReplicaWrite) frames.get(1)).data()), "chunks of " + chunk);
            assertEquals(3L, ((DataMessage.Ok) frames.get(2)).value(), "chunks of " + chunk);
        }
    }

    @Test
    void borrowedBytesWaitingForTheBudgetAreKept() {
        IngressBudget budget = new IngressBudget("t", 1 << 20);
        assertTrue(budget.tryAcquire(1 << 20));
        FrameReader r = reader(budget);
        byte[] data = new byte[4096];
        java.util.Arrays.fill(data, (byte) 42);
        Buffer frame = DataCodec.encode(7, new ReplicaWrite(VOL, 1, 1, 0, false, data));
        ByteBuf read = io.netty.buffer.Unpooled.directBuffer(frame.length());
        read.writeBytes(frame.getBytes());
        r.feedBorrowed(read);
        read.setZero(0, read.capacity());
        read.release();
        assertTrue(paused);
        budget.release(1 << 20);
        loop.poll().run();
        assertEquals(1, frames.size());
        assertTrue(java.util.Arrays.equals(data, ((ReplicaWrite) frames.getFirst()).data()));
    }

    /**
     * A large write arriving in pieces: once a quarter of it is here, the rest goes straight into the arrays its message
     * keeps; the budget then holds the whole frame (what arrived plus the arrays' reservation), the handler gets exactly
     * the frame's bytes to give back, and the frames after it in the same read are parsed as usual.
     */
    @Test
    void aLargeWriteInPiecesIsAssembledWithinTheBudget() {
        IngressBudget budget = new IngressBudget("t", 64L << 20);
        FrameReader r = reader(budget);
        byte[] data = new byte[1 << 20];
        new java.util.Random(11).nextBytes(data);
        Buffer frame = DataCodec.encode(5, new ReplicaWrite(VOL, 1, 1, 0, false, data));
        Buffer after = DataCodec.encode(6, new DataMessage.Ok(4));
        Buffer all = Buffer.buffer().appendBuffer(frame).appendBuffer(after);
        int piece = 65536;
        boolean sawReservation = false;
        for (int pos = 0; pos < all.length(); pos += piece) {
            ByteBuf read = io.netty.buffer.Unpooled.directBuffer(piece);
            read.writeBytes(all.getBytes(pos, Math.min(all.length(), pos + piece)));
            r.feedBorrowed(read);
            read.setZero(0, read.capacity());
            read.release();
            if (frames.isEmpty()) {
                long arrived = Math.min(all.length(), pos + piece);
                long expected = (arrived - DataCodec.HEADER) * 4 >= frame.length() - DataCodec.HEADER ? frame.length() : arrived;
                sawReservation |= expected == frame.length() && arrived < frame.length();
                assertEquals(expected, budget.used(), "after " + arrived + " bytes");
            }
        }
        assertTrue(sawReservation);
        assertEquals(2, frames.size());
        assertTrue(java.util.Arrays.equals(data, ((ReplicaWrite) frames.getFirst()).data()));
        assertEquals(4L, ((DataMessage.Ok) frames.get(1)).value());
        assertEquals(List.of((long) frame.length(), (long) after.length()), held);
        assertEquals(all.length(), budget.used());
        held.forEach(budget::release);
        assertEquals(0, budget.used());
    }

    /** Feeds the first half of a 1 MiB write's frame (enough to start its assembly); returns the whole frame. */
    private Buffer halfOfALargeWrite(FrameReader r, IngressBudget budget) {
        Buffer frame = DataCodec.encode(5, new ReplicaWrite(VOL, 1, 1, 0, false, new byte[1 << 20]));
        r.feed(frame.getBuffer(0, frame.length() / 2));
        assertEquals(frame.length(), budget.used(), "the arrays are reserved once half arrived");
        return frame;
    }

    @Test
    void aConnectionClosedMidAssemblyGivesItsReservationBack() {
        IngressBudget budget = new IngressBudget("t", 64L << 20);
        FrameReader r = reader(budget);
        halfOfALargeWrite(r, budget);
        r.closed();
        assertEquals(0, budget.used());
        assertTrue(frames.isEmpty());
    }

    /** The rest of an assembling frame arrives on its reservation: a budget spent by others does not hold it up. */
    @Test
    void anAssemblingFrameCompletesWhenOthersSpendTheBudget() {
        IngressBudget budget = new IngressBudget("t", 4L << 20);
        FrameReader r = reader(budget);
        Buffer frame = halfOfALargeWrite(r, budget);
        assertTrue(budget.tryAcquire(budget.capacity() - budget.used()), "another connection takes the rest");
        r.feed(frame.getBuffer(frame.length() / 2, frame.length()));
        assertFalse(paused);
        assertEquals(1, frames.size());
        assertEquals(List.of((long) frame.length()), held);
        assertEquals(budget.capacity(), budget.used());
    }

    /**
     * The rest of an assembling frame and the start of the next one arrive in one read while the budget is spent: the
     * assembling frame still completes on its reservation; only the next frame's bytes wait for budget.
     */
    @Test
    void anAssemblingFrameCompletesWhenTheBytesAfterItMustWait() {
        IngressBudget budget = new IngressBudget("t", 4L << 20);
        FrameReader r = reader(budget);
        Buffer frame = halfOfALargeWrite(r, budget);
        Buffer next = DataCodec.encode(6, new DataMessage.Ok(8));
        assertTrue(budget.tryAcquire(budget.capacity() - budget.used()), "another connection takes the rest");
        ByteBuf read = io.netty.buffer.Unpooled.directBuffer(frame.length());
        read.writeBytes(frame.getBytes(frame.length() / 2, frame.length())).writeBytes(next.getBytes());
        r.feedBorrowed(read);
        read.setZero(0, read.capacity());
        read.release();
        assertEquals(1, frames.size(), "the assembling frame did not wait");
        assertTrue(paused, "the next frame's bytes wait for budget");
        budget.release(budget.capacity() - frame.length()); // the other connection is done
        loop.poll().run();
        assertFalse(paused);
        assertEquals(2, frames.size());
        assertEquals(8L, ((DataMessage.Ok) frames.get(1)).value());
        assertEquals(List.of((long) frame.length(), (long) next.length()), held);
    }

    @Test
    void aCorruptAssembledFrameIsMalformed() {
        List<ProtocolException> refused = new ArrayList<>();
        FrameReader r = new FrameReader(new FrameReader.FrameHandler() {
            @Override
            public void frame(long requestId, DataMessage message) {
                frames.add(message);
            }

            @Override
            public void malformed(ProtocolException e) {
                refused.add(e);
            }
        });
        Buffer frame = DataCodec.encode(5, new DataMessage.Data(new byte[300_000]));
        frame.setByte(frame.length() - 7, (byte) 1);
        for (int pos = 0; pos < frame.length(); pos += 50_000) {
            r.feed(frame.getBuffer(pos, Math.min(frame.length(), pos + 50_000)));
        }
        assertTrue(frames.isEmpty());
        assertEquals(1, refused.size());
        assertEquals("payload checksum mismatch", refused.getFirst().getMessage());
    }

    @Test
    void framesInOneBufferAndFramesAcrossBuffersDecodeTheSame() {
        byte[] big = new byte[DataCodec.SHARED_PAYLOAD * 3 + 5];
        new java.util.Random(3).nextBytes(big);
        List<DataMessage> sent = List.of(new DataMessage.Ok(1), new ReplicaWrite(VOL, 1, 2, 4096, true, big), new DataMessage.Ok(3),
                new ReplicaWrite(VOL, 1, 4, 0, false, new byte[] {9}));
        Buffer all = Buffer.buffer();
        sent.forEach(m -> all.appendBuffer(DataCodec.encode(1, m))); // the large one is a shared-payload (composite) frame
        for (int chunk : new int[] {all.length(), 1, 23, 24, 25, 4096, 65536}) {
            frames.clear();
            FrameReader r = reader(null);
            for (int pos = 0; pos < all.length(); pos += chunk) {
                r.feed(all.getBuffer(pos, Math.min(all.length(), pos + chunk)));
            }
            assertEquals(sent.size(), frames.size(), "chunks of " + chunk);
            ReplicaWrite w = (ReplicaWrite) frames.get(1);
            assertTrue(java.util.Arrays.equals(big, w.data()), "chunks of " + chunk);
            assertEquals(3L, ((DataMessage.Ok) frames.get(2)).value());
            assertEquals(9, ((ReplicaWrite) frames.get(3)).data()[0]);
        }
    }
}
