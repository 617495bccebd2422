package io.galleonfs.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
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
import java.lang.reflect.Type;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

/**
 * Implements a JAX-RS-annotated interface ({@link io.galleonfs.api.GalleonApi}) over the JDK's {@link HttpURLConnection},
 * with JSON through {@link RecordJson} (Jackson for what it does not handle). The CLI used Quarkus' REST client for this; starting the Quarkus runtime (CDI, config, Vert.x) for one
 * request cost most of a CLI call's wall time, and a call needs only the annotations' mapping: method, path with
 * {@code @PathParam}s, {@code @QueryParam}s, one JSON or {@code byte[]} body, and a JSON or {@code byte[]} answer.
 * Anything else an interface declares fails loudly on first use rather than being half-supported.
 *
 * <p>Not {@code java.net.http.HttpClient}: building one initialises the JDK's default TLS context (the cacerts trust
 * store) even for plain HTTP and starts a selector thread, ~0.1 s of a ~0.4 s call on this machine (ARCHITECTURE, "CLI
 * start-up"). HttpURLConnection connects lazily, touches TLS only for https, keeps idle connections for the next call
 * (import/export send thousands), and has no thread the JVM's exit waits for. Its read timeout bounds each wait for
 * data, not the whole exchange; no proxy is used (as with the HttpClient before); redirects are not followed.
 */
final class RestProxy implements InvocationHandler {
    /** Built on first use (a holder class): an answer {@link RecordJson} binds needs no Jackson mapper at all. */
    private static final class Json {
        static final ObjectMapper MAPPER = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // a newer daemon may add fields
                .build();
    }

    /** The CLI's Jackson mapper for the daemon's JSON: request bodies, and answers {@link RecordJson} does not bind. */
    static ObjectMapper json() {
        return Json.MAPPER;
    }

    private final URI base;
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private final Optional<String> token;
    private final Optional<SSLContext> tls;

    private RestProxy(URI base, Duration connectTimeout, Duration readTimeout, Optional<String> token, Optional<SSLContext> tls) {
        this.base = base;
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
        this.token = token;
        this.tls = tls;
    }

    static <T> T create(Class<T> api, URI base, Duration connectTimeout, Duration readTimeout, Optional<String> token,
                        Optional<SSLContext> tls) {
        Object proxy = Proxy.newProxyInstance(api.getClassLoader(), new Class<?>[]{api},
                new RestProxy(base, connectTimeout, readTimeout, token, tls));
        return api.cast(proxy);
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
        Object[] arguments = args == null ? new Object[0] : args;
        StartupTrace.mark("request " + method.getName());
        int status;
        byte[] body;
        try {
            HttpURLConnection c = send(method, arguments);
            status = c.getResponseCode();
            // an error answer's body (problem+json) is on the error stream; a 3xx's on the normal one
            try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                body = in == null ? new byte[0] : in.readAllBytes();
            }
        } catch (IOException e) {
            throw new ApiTransportException(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
        StartupTrace.mark("answer " + status);
        if (status >= 300) {
            throw new ApiException(status, body);
        }
        Object answer = answer(method, body);
        StartupTrace.mark("answer decoded");
        return answer;
    }

    /** Opens the connection and sends the request; reading the status then waits for the answer. */
    private HttpURLConnection send(Method method, Object[] args) throws IOException {
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
        HttpURLConnection c = (HttpURLConnection) base.resolve(path + query.toString()).toURL().openConnection(java.net.Proxy.NO_PROXY);
        if (c instanceof HttpsURLConnection https && tls.isPresent()) {
            https.setSSLSocketFactory(tls.get().getSocketFactory()); // hostname verification stays the default
        }
        c.setConnectTimeout(connectTimeoutMillis);
        c.setReadTimeout(readTimeoutMillis);
        c.setInstanceFollowRedirects(false);
        c.setUseCaches(false);
        c.setRequestMethod(verb);
        String accept = mediaType(method.getAnnotation(Produces.class), method.getDeclaringClass().getAnnotation(Produces.class));
        if (accept != null) {
            c.setRequestProperty("Accept", accept);
        }
        token.ifPresent(t -> c.setRequestProperty("Authorization", "Bearer " + t));
        byte[] bytes = null;
        if (hasBody && body != null) {
            String type = mediaType(method.getAnnotation(Consumes.class), method.getDeclaringClass().getAnnotation(Consumes.class));
            bytes = body instanceof byte[] raw ? raw : json(body);
            c.setRequestProperty("Content-Type", type != null ? type : "application/json");
        } else if (verb.equals("POST") || verb.equals("PUT")) {
            bytes = new byte[0]; // Content-Length: 0, as the HttpClient sent
        }
        if (bytes != null) {
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(bytes.length); // streamed as is, not buffered again
            try (OutputStream out = c.getOutputStream()) {
                out.write(bytes);
            }
        }
        return c;
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
        Type target = method.getGenericReturnType();
        try {
            return RecordJson.decode(body, target);
        } catch (RecordJson.Unsupported e) {
            // a type or value outside RecordJson's rules: Jackson decides, with the result or the error it always gave
        }
        return json().readValue(body, json().getTypeFactory().constructType(target));
    }

    private static byte[] json(Object body) {
        try {
            return RecordJson.encode(body);
        } catch (RecordJson.Unsupported e) {
            // a body outside RecordJson's rules: Jackson writes it
        }
        try {
            return json().writeValueAsBytes(body);
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
