package io.galleonfs.node.grpc;

import io.galleonfs.node.auth.AccessRule;
import io.galleonfs.node.auth.Authenticator;
import io.galleonfs.node.auth.ApiAccess;
import io.galleonfs.node.daemon.NodeStatus;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * The gRPC side of the REST {@code AuthFilter}: the {@code authorization: Bearer <token>} metadata is checked by the same
 * {@link Authenticator}, and a refusal closes the call before any message reaches the service. The standard health
 * and reflection services stay open like {@code /q/health}.
 */
@GlobalInterceptor
@ApplicationScoped
public class GrpcAuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** The namespaces the call's token covers, for the service to hide other tenants' volumes. */
    static final io.grpc.Context.Key<io.galleonfs.node.auth.NamespaceScope> SCOPE = io.grpc.Context.key("galleonfs-namespace-scope");

    @Inject
    ApiAccess access;

    @Inject
    NodeStatus status;

    @Inject
    io.galleonfs.node.audit.AuditTrail audit;

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> serverCall, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = serverCall.getMethodDescriptor().getFullMethodName();
        if (method.startsWith("grpc.health.") || method.startsWith("grpc.reflection.")) {
            return next.startCall(serverCall, headers);
        }
        // Outermost, so refusals below are recorded too (see GrpcAudit).
        GrpcAudit.Call<Q, R> call = new GrpcAudit.Call<>(serverCall, audit, status.nodeId(), method,
                AccessRule.requiredGrpc(method) != io.galleonfs.node.auth.Role.VIEWER);
        Authenticator authenticator = access.authenticator();
        if (!access.authRequired()) {
            if (authenticator != null) {
                call.token(authenticator.identify(headers.get(AUTHORIZATION)));
            }
            return call.listen(next.startCall(call, headers));
        }
        io.galleonfs.node.auth.NamespaceScope[] scope = {null};
        Status refusal = authenticator == null ? Status.UNAVAILABLE.withDescription("the node is starting; try again shortly")
                : switch (authenticator.decide(headers.get(AUTHORIZATION), AccessRule.requiredGrpc(method))) {
                    case Authenticator.Decision.Allowed a -> {
                        scope[0] = a.token().scope();
                        call.token(Optional.of(a.token()));
                        yield null;
                    }
                    case Authenticator.Decision.Unauthenticated u -> Status.UNAUTHENTICATED.withDescription(u.detail());
                    case Authenticator.Decision.Forbidden f -> Status.PERMISSION_DENIED.withDescription(f.detail());
                };
        if (refusal == null) {
            return call.listen(io.grpc.Contexts.interceptCall(io.grpc.Context.current().withValue(SCOPE, scope[0]), call, headers, next));
        }
        if (authenticator != null) {
            call.token(authenticator.identify(headers.get(AUTHORIZATION))); // a valid token without the role: who was refused
        }
        call.close(refusal, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
