package io.galleonfs.node.grpc;

import com.google.protobuf.ByteString;
import io.galleonfs.engine.SnapshotInfo;
import io.galleonfs.engine.VolumeUsage;
import io.galleonfs.grpc.CloneVolumeRequest;
import io.galleonfs.grpc.CreateSnapshotRequest;
import io.galleonfs.grpc.DataChunk;
import io.galleonfs.grpc.ReadBlockRequest;
import io.galleonfs.grpc.ReadRangeRequest;
import io.galleonfs.grpc.SnapshotReply;
import io.galleonfs.grpc.VolumeDataGrpc;
import io.galleonfs.grpc.VolumeRef;
import io.galleonfs.grpc.VolumeReply;
import io.galleonfs.grpc.VolumeUsageReply;
import io.galleonfs.grpc.WriteBlockRequest;
import io.galleonfs.grpc.WriteChunk;
import io.galleonfs.grpc.WriteConcern;
import io.galleonfs.grpc.WriteReply;
import io.galleonfs.node.daemon.NodeServices;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.VolumeDataService;
import io.galleonfs.node.volume.VolumeService;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/** gRPC adapter of the seed's programmatic volume API; blocking handlers run on worker threads, never the event loop. */
@GrpcService
@Blocking
public class VolumeDataGrpcService extends VolumeDataGrpc.VolumeDataImplBase {
    private static final Logger LOG = Logger.getLogger(VolumeDataGrpcService.class);
    private static final int CHUNK = 1 << 20;

    // Providers: gRPC services are created with the server, possibly before the node has built its services.
    @Inject
    Provider<VolumeDataService> dataService;

    @Inject
    Provider<VolumeService> volumeService;

    @Inject
    Provider<NodeServices.Self> identity;

    @Override
    public void writeBlock(WriteBlockRequest req, StreamObserver<WriteReply> out) {
        unary(out, () -> {
            VolumeRecord v = visible(req.getVolume());
            if (req.getData().size() > v.blockSize()) {
                throw GalleonException.badRequest("data of " + req.getData().size() + " bytes is larger than the block size " + v.blockSize());
            }
            long offset = Math.multiplyExact(req.getBlockId(), (long) v.blockSize());
            VolumeDataService.Written w = dataService.get().write(v.id().toString(), offset, req.getData().toByteArray(), concern(req.getWriteConcern()));
            return WriteReply.newBuilder().setBytesWritten(w.bytes()).setWriteConcern(w.concern()).build();
        });
    }

    @Override
    public void readBlock(ReadBlockRequest req, StreamObserver<DataChunk> out) {
        unary(out, () -> {
            VolumeRecord v = visible(req.getVolume());
            long offset = Math.multiplyExact(req.getBlockId(), (long) v.blockSize());
            byte[] data = dataService.get().read(v.id().toString(), offset, v.blockSize());
            return DataChunk.newBuilder().setOffset(offset).setData(ByteString.copyFrom(data)).build();
        });
    }

    @Override
    public void readRange(ReadRangeRequest req, StreamObserver<DataChunk> out) {
        try {
            VolumeRecord v = visible(req.getVolume());
            long length = req.getLength() == 0 ? v.sizeBytes() - req.getOffset() : req.getLength();
            dataService.get().checkRange(v, req.getOffset(), length);
            long pos = req.getOffset();
            long end = pos + length;
            while (pos < end) {
                int n = (int) Math.min(CHUNK, end - pos);
                byte[] data = dataService.get().read(v.id().toString(), pos, n);
                out.onNext(DataChunk.newBuilder().setOffset(pos).setData(ByteString.copyFrom(data)).build());
                pos += n;
            }
            out.onCompleted();
        } catch (RuntimeException e) {
            out.onError(status(e));
        }
    }

    @Override
    public StreamObserver<WriteChunk> writeRange(StreamObserver<WriteReply> out) {
        return new StreamObserver<>() {
            private long written;
            private String concern = "";
            private boolean failed;

            @Override
            public void onNext(WriteChunk c) {
                if (failed) {
                    return;
                }
                try {
                    String id = visible(c.getVolume()).id().toString();
                    VolumeDataService.Written w = dataService.get().write(id, c.getOffset(), c.getData().toByteArray(),
                            concern(c.getWriteConcern()));
                    written += w.bytes();
                    concern = w.concern();
                } catch (RuntimeException e) {
                    failed = true;
                    out.onError(status(e));
                }
            }

            @Override
            public void onError(Throwable t) {
                LOG.debugf("WriteRange stream aborted by the client after %d bytes: %s", written, t.getMessage());
            }

            @Override
            public void onCompleted() {
                if (!failed) {
                    out.onNext(WriteReply.newBuilder().setBytesWritten(written).setWriteConcern(concern).build());
                    out.onCompleted();
                }
            }
        };
    }

    @Override
    public void createSnapshot(CreateSnapshotRequest req, StreamObserver<SnapshotReply> out) {
        unary(out, () -> {
            VolumeRecord v = visible(req.getVolume());
            SnapshotInfo s = dataService.get().createSnapshot(v.id().toString(), req.getName());
            return SnapshotReply.newBuilder().setName(s.name()).setVolume(v.name()).setCreatedAtMillis(s.createdAtMillis()).build();
        });
    }

    @Override
    public void cloneVolume(CloneVolumeRequest req, StreamObserver<VolumeReply> out) {
        unary(out, () -> {
            String id = visible(req.getVolume()).id().toString();
            VolumeRecord c = dataService.get().cloneVolume(id, req.getName(), req.getSnapshot().isEmpty() ? null : req.getSnapshot());
            return VolumeReply.newBuilder().setId(c.id().toString()).setName(c.name()).setSizeBytes(c.sizeBytes()).build();
        });
    }

    @Override
    public void getVolumeUsage(VolumeRef req, StreamObserver<VolumeUsageReply> out) {
        unary(out, () -> {
            VolumeRecord v = visible(req.getVolume());
            VolumeUsage u = dataService.get().usage(v);
            return VolumeUsageReply.newBuilder().setVolume(v.name()).setSizeBytes(v.sizeBytes()).setAllocatedBytes(u.allocatedBytes())
                    .setTotalStoredBytes(u.totalStoredBytes()).setSnapshotCount(u.snapshotCount()).build();
        });
    }

    private static String concern(WriteConcern c) {
        return switch (c) {
            case WRITE_ACKNOWLEDGED -> "acknowledged";
            case WRITE_DURABLE -> "durable";
            case WRITE_REPLICATED -> "replicated";
            case WRITE_DISTRIBUTED -> "distributed";
            case WRITE_CONCERN_DEFAULT, UNRECOGNIZED -> null;
        };
    }

    private static <T> void unary(StreamObserver<T> out, Supplier<T> call) {
        T reply;
        try {
            reply = call.get();
        } catch (RuntimeException e) {
            out.onError(status(e));
            return;
        }
        out.onNext(reply);
        out.onCompleted();
    }

    /**
     * The volume {@code ref} if the caller's token covers its namespace; otherwise the same NOT_FOUND as a missing
     * volume. Without a scope in the call's context while auth is on, nothing is visible (fail closed).
     */
    // Services are handed the resolved volume's UUID: the raw ref may be a name only this caller's namespaces disambiguate.
    private VolumeRecord visible(String ref) {
        io.galleonfs.node.auth.NamespaceScope scope = GrpcAuthInterceptor.SCOPE.get();
        if (scope == null && identity.get().authRequired()) {
            throw GalleonException.notFound("volume '" + ref + "' not found");
        }
        // A name is looked up in the token's namespaces only (names are unique per namespace); ns/name picks one.
        return volumeService.get().resolve(ref, null, scope == null ? io.galleonfs.node.auth.NamespaceScope.ALL : scope);
    }

    static StatusRuntimeException status(RuntimeException e) {
        if (e instanceof GalleonException g) {
            Status s = switch (g.kind()) {
                case BAD_REQUEST, UNPROCESSABLE -> Status.INVALID_ARGUMENT;
                case NOT_FOUND -> Status.NOT_FOUND;
                case FORBIDDEN -> Status.PERMISSION_DENIED;
                case CONFLICT -> Status.ALREADY_EXISTS;
                case PAYLOAD_TOO_LARGE -> Status.RESOURCE_EXHAUSTED;
                case UNAVAILABLE -> Status.UNAVAILABLE;
                case DATA_INTEGRITY -> Status.DATA_LOSS;
                case STORAGE -> Status.INTERNAL;
                case INSUFFICIENT_STORAGE -> Status.RESOURCE_EXHAUSTED;
            };
            return s.withDescription(g.getMessage()).asRuntimeException();
        }
        if (e instanceof ArithmeticException) {
            return Status.INVALID_ARGUMENT.withDescription("block id is too large").asRuntimeException();
        }
        LOG.error("gRPC call failed unexpectedly", e);
        return Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException();
    }
}
