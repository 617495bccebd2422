package io.galleonfs.node.rest;

import io.galleonfs.node.auth.AccessRule;
import io.galleonfs.node.auth.Role;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ResourceInfo;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the request filters need to know about a matched resource method, worked out once per method instead of on
 * every request (reading the {@code @Path} annotations, joining the template, {@link AccessRule}'s string tests and the
 * template's parameter names showed in the profile of small REST reads): its path template, the role each HTTP method
 * needs on it, and its path parameters. Bounded by the number of resource methods.
 */
final class Routes {
    /** Per resource class (a method may be inherited by several), then per method. */
    private static final ClassValue<ConcurrentHashMap<Method, Route>> BY_CLASS = new ClassValue<>() {
        @Override
        protected ConcurrentHashMap<Method, Route> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>();
        }
    };

    private Routes() {
    }

    /**
     * @param template   the matched path template, e.g. {@code /api/v1/volumes/{ref}/data}
     * @param parameters the names of its path parameters, in order
     */
    record Route(String template, List<String> parameters, boolean volumeRoute, ConcurrentHashMap<String, Role> roles) {
        /** The role {@code httpMethod} needs on this route ({@link AccessRule#required}), remembered per method. */
        Role required(String httpMethod) {
            Role r = roles.get(httpMethod);
            return r != null ? r : roles.computeIfAbsent(httpMethod, m -> AccessRule.required(m, template));
        }
    }

    static Route of(ResourceInfo resource) {
        Class<?> type = resource == null ? null : resource.getResourceClass();
        Method method = resource == null ? null : resource.getResourceMethod();
        if (type == null || method == null) {
            return route(template(type, method)); // not a matched resource method: nothing to remember it by
        }
        ConcurrentHashMap<Method, Route> routes = BY_CLASS.get(type);
        Route r = routes.get(method);
        return r != null ? r : routes.computeIfAbsent(method, m -> route(template(type, m)));
    }

    static String template(Class<?> type, Method method) {
        Path t = type == null ? null : type.getAnnotation(Path.class);
        Path m = method == null ? null : method.getAnnotation(Path.class);
        String s = (t == null ? "" : t.value()) + (m == null ? "" : "/" + m.value());
        return s.replace("//", "/");
    }

    private static Route route(String template) {
        return new Route(template, parameters(template), template.startsWith(NamespaceFilter.VOLUME_ROUTES), new ConcurrentHashMap<>());
    }

    /** The names in {@code {name}} or {@code {name: regex}} segments of a template. */
    static List<String> parameters(String template) {
        List<String> names = new ArrayList<>();
        int at = template.indexOf('{');
        while (at >= 0) {
            int end = template.indexOf('}', at);
            if (end < 0) {
                break;
            }
            String inside = template.substring(at + 1, end);
            int colon = inside.indexOf(':');
            names.add((colon < 0 ? inside : inside.substring(0, colon)).strip());
            at = template.indexOf('{', end);
        }
        return List.copyOf(names);
    }
}
