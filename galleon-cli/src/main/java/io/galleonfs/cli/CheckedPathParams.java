package io.galleonfs.cli;

import io.galleonfs.api.PathParams;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Wraps a REST client so that no call leaves the CLI with a path parameter that could not name an object: a value such
 * as {@code ..} would be resolved as a dot segment on the way and reach another resource (issue: {@code snapshot delete
 * VOL ..} deleted the volume). The rule is the server's own ({@link PathParams}); the server checks again.
 */
final class CheckedPathParams {
    private CheckedPathParams() {
    }

    static <T> T wrap(Class<T> api, T client) {
        Path base = api.getAnnotation(Path.class);
        Object proxy = Proxy.newProxyInstance(api.getClassLoader(), new Class<?>[] {api}, (self, method, args) -> {
            if (client instanceof io.galleonfs.api.GalleonApi galleon) {
                qualifiedVolumes(base == null ? "" : base.value(), method, args, galleon);
            }
            check(base == null ? "" : base.value(), method, args);
            try {
                return method.invoke(client, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
        return api.cast(proxy);
    }

    /** Replaces a volume argument {@code ns/name} by the UUID it names ({@link NamespacedRefs}). */
    static void qualifiedVolumes(String base, Method method, Object[] args, io.galleonfs.api.GalleonApi api) {
        Path path = method.getAnnotation(Path.class);
        if (path == null || args == null || !(base + path.value()).contains("/volumes/{ref}")) {
            return;
        }
        Annotation[][] annotations = method.getParameterAnnotations();
        for (int i = 0; i < args.length; i++) {
            for (Annotation a : annotations[i]) {
                if (a instanceof PathParam p && p.value().equals("ref") && args[i] instanceof String ref && NamespacedRefs.qualified(ref)) {
                    args[i] = NamespacedRefs.resolve(api, ref);
                }
            }
        }
    }

    static void check(String base, Method method, Object[] args) {
        Path path = method.getAnnotation(Path.class);
        if (path == null || args == null) {
            return;
        }
        String template = base + path.value();
        Annotation[][] annotations = method.getParameterAnnotations();
        for (int i = 0; i < args.length; i++) {
            for (Annotation a : annotations[i]) {
                if (a instanceof PathParam p) {
                    try {
                        PathParams.requireValid(template, p.value(), args[i] == null ? null : args[i].toString());
                    } catch (IllegalArgumentException e) {
                        throw new ErrorHandler.CliException(e.getMessage());
                    }
                }
            }
        }
    }
}
