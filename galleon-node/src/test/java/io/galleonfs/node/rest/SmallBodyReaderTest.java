package io.galleonfs.node.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.auth.Authenticator;
import io.galleonfs.node.auth.DashboardSessions;
import io.galleonfs.node.auth.Role;
import io.galleonfs.node.auth.TokenRecord;
import io.galleonfs.node.auth.TokenSecrets;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.MatrixParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Which bodies are read on the event loop, and the one assumption that makes it safe. */
class SmallBodyReaderTest {

    @Test
    void onlySmallApiBodiesWithADeclaredLengthAreReadAhead() {
        assertEquals(70, SmallBodyReader.readableLength(HttpMethod.POST, "/api/v1/volumes", "70"));
        assertEquals(SmallBodyReader.MAX_BYTES, SmallBodyReader.readableLength(HttpMethod.PUT, "/api/v1/volumes/a/data", " 65536 "));
        assertEquals(-1, SmallBodyReader.readableLength(HttpMethod.PUT, "/api/v1/volumes/a/data", "65537"), "larger bodies stream");
        assertEquals(-1, SmallBodyReader.readableLength(HttpMethod.POST, "/api/v1/volumes", null), "chunked bodies stream");
        assertEquals(-1, SmallBodyReader.readableLength(HttpMethod.POST, "/api/v1/volumes", "7x"));
        assertEquals(-1, SmallBodyReader.readableLength(HttpMethod.GET, "/api/v1/volumes", "10"));
        assertEquals(-1, SmallBodyReader.readableLength(HttpMethod.POST, "/io.galleonfs.grpc.Volumes/Create", "10"),
                "gRPC and everything outside the REST API keep their own reading");
        assertEquals(0, SmallBodyReader.readableLength(HttpMethod.DELETE, "/api/v1/volumes/a", "0"));
    }

    @Test
    void onlyRequestsWithValidCredentialsAreReadAheadWhereTheNodeRequiresThem() {
        io.galleonfs.node.auth.ManualClock clock = new io.galleonfs.node.auth.ManualClock(1_000_000);
        String viewer = TokenSecrets.newSecret();
        String expiring = TokenSecrets.newSecret();
        List<TokenRecord> tokens = new ArrayList<>(List.of(
                new TokenRecord("t1", "viewer", Role.VIEWER, TokenSecrets.hash(viewer), 0, 0),
                new TokenRecord("t2", "expiring", Role.ADMIN, TokenSecrets.hash(expiring), 0, 2_000_000)));
        List<TokenRecord>[] current = new List[] {List.copyOf(tokens)};
        Authenticator authenticator = new Authenticator(() -> current[0], clock);
        DashboardSessions sessions = new DashboardSessions(clock);
        String session = sessions.open(tokens.get(0)).id();

        assertTrue(SmallBodyReader.mayReadAhead(true, authenticator, sessions, "Bearer " + viewer, null),
                "a valid token of any role: its route's role is checked after routing");
        assertTrue(SmallBodyReader.mayReadAhead(true, authenticator, sessions, null, session), "a live dashboard session");
        assertTrue(SmallBodyReader.mayReadAhead(true, authenticator, sessions, "Bearer " + expiring, null));

        assertFalse(SmallBodyReader.mayReadAhead(true, authenticator, sessions, null, null), "no credentials");
        assertFalse(SmallBodyReader.mayReadAhead(true, authenticator, sessions, "Bearer " + TokenSecrets.newSecret(), null),
                "a well-formed token the node does not know");
        assertFalse(SmallBodyReader.mayReadAhead(true, authenticator, sessions, "Basic dXNlcjpwdw==", null));
        assertFalse(SmallBodyReader.mayReadAhead(true, authenticator, sessions, "Bearer " + TokenSecrets.newSecret(), session),
                "a bearer token wins over the session cookie, as in AuthFilter");
        assertFalse(SmallBodyReader.mayReadAhead(true, authenticator, sessions, null, "not-a-session"));
        assertFalse(SmallBodyReader.mayReadAhead(true, null, sessions, "Bearer " + viewer, null), "the node is still starting");

        clock.millis = 2_000_000;
        assertFalse(SmallBodyReader.mayReadAhead(true, authenticator, sessions, "Bearer " + expiring, null), "an expired token");
        current[0] = List.of(tokens.get(1)); // the viewer token revoked
        assertFalse(SmallBodyReader.mayReadAhead(true, authenticator, sessions, "Bearer " + viewer, null), "a revoked token");
        assertFalse(SmallBodyReader.mayReadAhead(true, authenticator, sessions, null, session), "a session whose token was revoked");

        assertTrue(SmallBodyReader.mayReadAhead(false, null, sessions, null, null), "a node without authentication reads every small body");
    }

    /**
     * A non-blocking resource method would find the request already ended and read an empty body (Quarkus REST reads
     * the body of such methods itself, on the event loop): every method that takes a body must be blocking.
     */
    @Test
    void everyResourceMethodThatTakesABodyIsBlocking() throws Exception {
        List<String> offenders = new ArrayList<>();
        int withBody = 0;
        for (Class<?> type : resourceClasses()) {
            for (Method m : type.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers()) || Stream.of(m.getParameters()).noneMatch(SmallBodyReaderTest::isEntity)) {
                    continue;
                }
                withBody++;
                boolean nonBlocking = m.isAnnotationPresent(NonBlocking.class) || type.isAnnotationPresent(NonBlocking.class)
                        || Uni.class.isAssignableFrom(m.getReturnType()) || Multi.class.isAssignableFrom(m.getReturnType())
                        || CompletionStage.class.isAssignableFrom(m.getReturnType());
                if (nonBlocking) {
                    offenders.add(type.getSimpleName() + "." + m.getName());
                }
            }
        }
        assertTrue(withBody >= 20, "the scan found the resource methods that take bodies: " + withBody);
        assertEquals(List.of(), offenders, "non-blocking methods with a body: make them blocking or exclude their paths"
                + " from SmallBodyReader");
    }

    private static final Set<Class<? extends Annotation>> NOT_BODY = Set.of(PathParam.class, QueryParam.class, HeaderParam.class,
            CookieParam.class, MatrixParam.class, FormParam.class, BeanParam.class, Context.class,
            org.jboss.resteasy.reactive.RestPath.class, org.jboss.resteasy.reactive.RestQuery.class,
            org.jboss.resteasy.reactive.RestHeader.class, org.jboss.resteasy.reactive.RestCookie.class,
            org.jboss.resteasy.reactive.RestForm.class, org.jboss.resteasy.reactive.RestMatrix.class);

    private static boolean isEntity(Parameter p) {
        return Stream.of(p.getAnnotations()).noneMatch(a -> NOT_BODY.contains(a.annotationType()))
                && !p.getType().getName().startsWith("io.vertx.") && !p.getType().getName().startsWith("jakarta.ws.rs.core.")
                && !p.getType().getName().startsWith("jakarta.ws.rs.container.");
    }

    private static List<Class<?>> resourceClasses() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of(SmallBodyReader.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(SmallBodyReader.class.getPackageName().replace('.', '/'));
        List<Class<?>> out = new ArrayList<>();
        try (Stream<java.nio.file.Path> files = Files.list(dir)) {
            for (java.nio.file.Path f : files.filter(f -> f.toString().endsWith(".class") && !f.getFileName().toString().contains("$")).toList()) {
                String name = SmallBodyReader.class.getPackageName() + "." + f.getFileName().toString().replace(".class", "");
                Class<?> c = Class.forName(name, false, SmallBodyReaderTest.class.getClassLoader());
                if (c.isAnnotationPresent(Path.class)) {
                    out.add(c);
                }
            }
        }
        assertTrue(out.size() >= 20, "resource classes found: " + out);
        return out;
    }
}
