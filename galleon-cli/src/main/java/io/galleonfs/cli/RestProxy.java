package io.galleonfs.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Implements a JAX-RS-annotated interface ({@link io.galleonfs.api.GalleonApi}) over the JDK's {@link HttpClient} and
 * Jackson. The CLI used Quarkus' REST client for this; starting the Quarkus runtime (CDI, config, Vert.x) for one
 * request cost most of a CLI call's wall time, and a call needs only the annotations' mapping: method, path with
 * {@code @PathParam}s, {@code @QueryParam}s, one JSON or {@code byte[]} body, and a JSON or {@code byte[]} answer.
 * Anything else an interface declares fails loudly on first use rather than being half-supported.
 */
final class RestProxy implements InvocationHandler {
    static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // a newer daemon may add fields
            .build();

    /**
     * Every client this process made, closed by {@link #closeAll} before the CLI exits: a client's selector thread waits
     * in epoll (native code), and the JVM's exit waits up to 300 ms for threads in native code to return.
     */
    private static final java.util.List<HttpClient> CLIENTS = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final HttpClient http;
    private final URI base;
    private final Duration readTimeout;
    private final Optional<String> token;

    private RestProxy(HttpClient http, URI base, Duration readTimeout, Optional<String> token) {
        this.http = http;
        this.base = base;
        this.readTimeout = readTimeout;
        this.token = token;
    }

    static <T> T create(Class<T> api, URI base, Duration connectTimeout, Duration readTimeout, Optional<String> token,
                        Optional<SSLContext> tls) {
        StartupTrace.mark("client create");
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout);
        tls.ifPresent(b::sslContext);
        HttpClient http = b.build();
        CLIENTS.add(http);
        StartupTrace.mark("client created");
        Object proxy = Proxy.newProxyInstance(api.getClassLoader(), new Class<?>[]{api},
                new RestProxy(http, base, readTimeout, token));
        return api.cast(proxy);
    }

    /** Stops every client's threads at once (requests in flight fail); the CLI calls it right before it exits. */
    static void closeAll() {
        for (HttpClient c : CLIENTS) {
            c.shutdownNow();
        }
        CLIENTS.clear();
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "toString" -> "RestProxy[" + base + "]";
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> throw new UnsupportedOperationException(method.getName());
            };
        }
        HttpRequest request = request(method, args == null ? new Object[0] : args);
        HttpResponse<byte[]> response;
        StartupTrace.mark("request " + method.getName());
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new ApiTransportException(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiTransportException("interrupted", e);
        }
        StartupTrace.mark("answer " + response.statusCode());
        if (response.statusCode() >= 300) {
            throw new ApiException(response.statusCode(), response.body());
        }
        Object answer = answer(method, response.body());
        StartupTrace.mark("answer decoded");
        return answer;
    }

    private HttpRequest request(Method method, Object[] args) {
        String verb = httpMethod(method);
        StringBuilder path = new StringBuilder();
        Path typePath = method.getDeclaringClass().getAnnotation(Path.class);
        Path methodPath = method.getAnnotation(Path.class);
        path.append(typePath == null ? "" : typePath.value()).append(methodPath == null ? "" : methodPath.value());
        StringBuilder query = new StringBuilder();
        Object body = null;
        boolean hasBody = false;
        Annotation[][] annotations = method.getParameterAnnotations();
        for (int i = 0; i < args.length; i++) {
            PathParam pp = find(annotations[i], PathParam.class);
            QueryParam qp = find(annotations[i], QueryParam.class);
            if (pp != null) {
                String placeholder = "{" + pp.value() + "}";
                int at = path.indexOf(placeholder);
                if (args[i] == null || at < 0) {
                    throw new IllegalArgumentException(method.getName() + ": path parameter " + pp.value() + " is missing");
                }
                path.replace(at, at + placeholder.length(), encode(String.valueOf(args[i])));
            } else if (qp != null) {
                if (args[i] != null) {
                    query.append(query.isEmpty() ? '?' : '&').append(encode(qp.value())).append('=').append(encode(String.valueOf(args[i])));
                }
            } else if (annotations[i].length == 0) {
                body = args[i];
                hasBody = true;
            } else {
                throw new UnsupportedOperationException(method.getName() + ": parameter " + i + " has an annotation RestProxy does not map");
            }
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path + query.toString())).timeout(readTimeout);
        String accept = mediaType(method.getAnnotation(Produces.class), method.getDeclaringClass().getAnnotation(Produces.class));
        if (accept != null) {
            b.header("Accept", accept);
        }
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        HttpRequest.BodyPublisher publisher = HttpRequest.BodyPublishers.noBody();
        if (hasBody && body != null) {
            String type = mediaType(method.getAnnotation(Consumes.class), method.getDeclaringClass().getAnnotation(Consumes.class));
            byte[] bytes = body instanceof byte[] raw ? raw : json(body);
            b.header("Content-Type", type != null ? type : "application/json");
            publisher = HttpRequest.BodyPublishers.ofByteArray(bytes);
        }
        return b.method(verb, publisher).build();
    }

    private static Object answer(Method method, byte[] body) throws IOException {
        Class<?> type = method.getReturnType();
        if (type == void.class || type == Void.class) {
            return null;
        }
        if (type == byte[].class) {
            return body;
        }
        if (type == String.class) {
            return new String(body, StandardCharsets.UTF_8);
        }
        if (body.length == 0) {
            if (type.isPrimitive()) {
                throw new ApiTransportException(method.getName() + ": the daemon answered with no body", null);
            }
            return null;
        }
        JavaType target = JSON.getTypeFactory().constructType(method.getGenericReturnType());
        return JSON.readValue(body, target);
    }

    private static byte[] json(Object body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write the request body as JSON: " + e.getMessage(), e);
        }
    }

    private static String httpMethod(Method method) {
        for (Annotation a : method.getAnnotations()) {
            HttpMethod verb = a.annotationType().getAnnotation(HttpMethod.class);
            if (verb != null) {
                return verb.value();
            }
        }
        throw new UnsupportedOperationException(method.getName() + " has no HTTP method annotation");
    }

    private static String mediaType(Object onMethod, Object onType) {
        for (Object a : new Object[]{onMethod, onType}) {
            String[] values = a instanceof Produces p ? p.value() : a instanceof Consumes c ? c.value() : null;
            if (values != null && values.length > 0) {
                return String.join(", ", values);
            }
        }
        return null;
    }

    /** Percent-encodes one path segment or query component: a '/' inside a value never becomes a path separator. */
    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static <A extends Annotation> A find(Annotation[] annotations, Class<A> type) {
        for (Annotation a : annotations) {
            if (type.isInstance(a)) {
                return type.cast(a);
            }
        }
        return null;
    }
}
