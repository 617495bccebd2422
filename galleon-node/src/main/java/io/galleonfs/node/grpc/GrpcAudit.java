package io.galleonfs.node.grpc;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.galleonfs.node.audit.AuditRecord;
import io.galleonfs.node.audit.AuditTrail;
import io.galleonfs.node.auth.TokenRecord;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.Optional;

/**
 * The gRPC side of the REST {@code AuditFilter}: a call that mutates (every method but Read* and Get*) or that is refused
 * (UNAUTHENTICATED, PERMISSION_DENIED) is recorded once it closes, with its outcome. Records look like REST ones:
 * action {@code GRPC <service>/<method>}, resource the volume named by the first request (or {@code -}), and the gRPC
 * status as its HTTP equivalent (OK 200, INVALID_ARGUMENT 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND
 * 404, ...), so {@code audit list} filters treat both APIs alike. Only queues the record, like the REST filter.
 */
final class GrpcAudit {
    private GrpcAudit() {
    }

    /** What the audit record needs besides the outcome; {@code token} is known once authentication ran. */
    static final class Call<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final AuditTrail audit;
        private final String node;
        private final String method;
        private final boolean mutating;
        private volatile Optional<TokenRecord> token = Optional.empty();
        private volatile String volume;

        Call(ServerCall<Q, R> call, AuditTrail audit, String node, String method, boolean mutating) {
            super(call);
            this.audit = audit;
            this.node = node;
            this.method = method;
            this.mutating = mutating;
        }

        void token(Optional<TokenRecord> t) {
            token = t;
        }

        /** Notes the volume of the first request that names one. */
        ServerCall.Listener<Q> listen(ServerCall.Listener<Q> listener) {
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                @Override
                public void onMessage(Q message) {
                    if (volume == null && message instanceof Message m) {
                        Descriptors.FieldDescriptor f = m.getDescriptorForType().findFieldByName("volume");
                        if (f != null && f.getJavaType() == Descriptors.FieldDescriptor.JavaType.STRING) {
                            volume = (String) m.getField(f);
                        }
                    }
                    super.onMessage(message);
                }
            };
        }

        @Override
        public void close(Status status, Metadata trailers) {
            Status.Code code = status.getCode();
            if (mutating || code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED) {
                Optional<TokenRecord> t = token;
                String v = volume;
                audit.record(new AuditRecord.Event(Instant.now().toString(), node, t.map(TokenRecord::name).orElse("-"),
                        t.map(x -> x.role().wire()).orElse("-"), "GRPC " + method, v == null || v.isEmpty() ? "-" : v,
                        httpStatus(code), remote()));
            }
            super.close(status, trailers);
        }

        private String remote() {
            SocketAddress a = getAttributes() == null ? null : getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
            if (a instanceof InetSocketAddress i) {
                return (i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress()) + ":" + i.getPort();
            }
            return "-";
        }
    }

    /** The HTTP status a REST call with the same outcome would have had. */
    static int httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> 200;
            case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case RESOURCE_EXHAUSTED -> 429;
            case CANCELLED -> 499;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            default -> 500;
        };
    }
}
