package io.galleonfs.node.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.MetadataUnavailableException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jboss.logging.Logger;
import org.jgroups.protocols.raft.RaftLeaderException;
import org.jgroups.raft.RaftHandle;
import org.jgroups.raft.StateMachine;

/**
 * The metadata state machine replicated by jgroups-raft. Commands are JSON-encoded {@link MetaCommand}s in the Raft
 * log; every member applies committed entries in log order through {@link MetadataState#apply}, which is
 * deterministic, so all members hold the same state. A change is acknowledged only once a majority has logged it.
 */
public final class RaftMetadataStore implements MetadataStore, StateMachine {
    private static final Logger LOG = Logger.getLogger(RaftMetadataStore.class);
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private final Duration timeout;
    private final List<Consumer<MetadataState>> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataState current = new MetadataState();
    private volatile RaftHandle raft;

    public RaftMetadataStore(Duration timeout) {
        this.timeout = timeout;
    }

    /** Forgets all state, before this node starts over in another cluster whose log will rebuild it. */
    public void reset() {
        raft = null;
        current = new MetadataState();
    }

    void attach(RaftHandle handle) {
        this.raft = handle;
    }

    /** Called after every applied change, on the Raft apply thread; listeners must not block. */
    public void addListener(Consumer<MetadataState> listener) {
        listeners.add(listener);
    }

    @Override
    public MetadataState state() {
        return current;
    }

    @Override
    public MetaResult submit(MetaCommand command) throws IOException {
        RaftHandle handle = raft;
        if (handle == null) {
            throw new MetadataUnavailableException("the cluster is not started yet");
        }
        byte[] bytes = JSON.writeValueAsBytes(command);
        CompletableFuture<byte[]> future;
        try {
            future = handle.setAsync(bytes, 0, bytes.length, null);
        } catch (RaftLeaderException e) {
            throw noMajority("there is no leader");
        } catch (Exception e) {
            throw noMajority(e.getMessage());
        }
        try {
            byte[] reply = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return JSON.readValue(reply, MetaResult.class);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw noMajority("the change was not committed by a majority within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw noMajority(cause instanceof RaftLeaderException ? "there is no leader" : String.valueOf(cause.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw noMajority("interrupted");
        }
    }

    private static MetadataUnavailableException noMajority(String why) {
        return new MetadataUnavailableException("metadata change refused: " + why
                + "; this node cannot reach a majority of the cluster (see galleonfs cluster status)");
    }

    @Override
    public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) throws Exception {
        MetaCommand command = JSON.readValue(data, offset, length, MetaCommand.class);
        MetadataState next = MetadataState.restore(current.snapshot());
        MetaResult result = next.apply(command);
        if (result instanceof MetaResult.Applied) {
            current = next;
            for (Consumer<MetadataState> l : listeners) {
                try {
                    l.accept(next);
                } catch (RuntimeException e) {
                    LOG.warnf(e, "metadata listener failed after %s", command.getClass().getSimpleName());
                }
            }
        }
        return serializeResponse ? JSON.writeValueAsBytes(result) : null;
    }

    @Override
    public void readContentFrom(DataInput in) throws Exception {
        int len = in.readInt();
        byte[] image = new byte[len];
        in.readFully(image);
        current = MetadataState.restore(image);
        listeners.forEach(l -> l.accept(current));
    }

    @Override
    public void writeContentTo(DataOutput out) throws Exception {
        byte[] image = current.snapshot();
        out.writeInt(image.length);
        out.write(image);
    }
}
