package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.replication.DataMessage.*;
import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.blockio.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * I/O on a volume whose primary is another node: each call is forwarded over the data plane. While the primary
 * changes (failover) calls retry against the current primary from metadata for up to {@link #RETRY_FOR}, so clients
 * see a pause, not an error.
 */
final class ForwardedVolumeIo implements VolumeIo {
    static final Duration RETRY_FOR = Duration.ofSeconds(20);

    private final ReplicationService service;
    private final UUID id;
    private final Supplier<VolumeRecord> record;

    ForwardedVolumeIo(ReplicationService service, VolumeRecord v) {
        this.service = service;
        this.id = v.id();
        this.record = () -> service.view().state().volume(id).orElse(v);
    }

    @Override
    public UUID id() {
        return id;
    }

    @Override
    public String name() {
        return record.get().name();
    }

    @Override
    public long sizeBytes() {
        return record.get().sizeBytes();
    }

    @Override
    public boolean waitsForTheNetwork() {
        return true;
    }

    @Override
    public int blockSize() {
        return record.get().blockSize();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Data d = (Data) call(new ClientRead(id, offset, dst.remaining(), ""));
        dst.put(d.bytes());
    }

    @Override
    public void readSnapshot(String snapshot, long offset, ByteBuffer dst) throws IOException {
        Data d = (Data) call(new ClientRead(id, offset, dst.remaining(), snapshot));
        dst.put(d.bytes());
    }

    @Override
    public void write(long offset, ByteBuffer src, WriteConcern level) throws IOException {
        byte[] data = new byte[src.remaining()];
        src.get(data);
        call(new ClientWrite(id, offset, level.ordinal(), data));
    }

    @Override
    public void flush() throws IOException {
        call(new ClientFlush(id));
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        call(new ClientTrim(id, offset, length));
    }

    private DataMessage.Response call(DataMessage.Request request) throws IOException {
        long deadline = System.nanoTime() + RETRY_FOR.toNanos();
        IOException last = null;
        long backoff = 50;
        while (System.nanoTime() < deadline) {
            VolumeRecord v = service.view().state().volume(id)
                    .orElseThrow(() -> new DataClient.RemoteException(ErrorCode.NOT_FOUND, "volume " + id + " no longer exists"));
            if (v.node().equals(service.view().nodeId())) {
                return service.serveLocally(request);
            }
            HostPort to = service.dataAddress(v.node()).orElse(null);
            if (to != null) {
                try {
                    return service.client().call(to, request, service.clientTimeout());
                } catch (DataClient.RemoteException e) {
                    if (e.code() != ErrorCode.NOT_PRIMARY) {
                        throw e;
                    }
                    last = e;
                } catch (IOException e) {
                    last = e;
                }
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            backoff = Math.min(500, backoff * 2);
        }
        throw new DataClient.RemoteException(ErrorCode.UNAVAILABLE, "the primary of volume '" + record.get().name()
                + "' did not answer within " + RETRY_FOR.toSeconds() + " s: " + (last == null ? "no primary address" : last.getMessage()));
    }
}
