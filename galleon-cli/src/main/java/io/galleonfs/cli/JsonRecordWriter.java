package io.galleonfs.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import io.galleonfs.cli.RecordJson.Unsupported;
import io.galleonfs.cli.RecordTypes.RecordShape;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Request bodies as the CLI's Jackson mapper writes them, without building the mapper ({@link RecordJson}). */
final class JsonRecordWriter {
    private JsonRecordWriter() {
    }

    /**
     * {@code value} as UTF-8 JSON, as the CLI's Jackson mapper writes it: record components under their
     * {@link JsonProperty} names, left out as the record's or the component's {@link JsonInclude} says ({@code NON_NULL},
     * {@code NON_ABSENT}, {@code NON_EMPTY}); enums by their {@link JsonValue} method or name; lists, string-keyed maps,
     * strings, integers, finite doubles, booleans. Anything else (another inclusion rule, a getter Jackson would also
     * write, a non-finite double) is {@link Unsupported}, and the caller writes the body with Jackson.
     */
    static byte[] encode(Object value) {
        StringBuilder out = new StringBuilder(256);
        write(value, out, 0);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(Object value, StringBuilder out, int depth) {
        if (depth > 32) {
            throw new Unsupported("nested too deeply");
        }
        if (value == null) {
            out.append("null");
        } else if (value instanceof String str) {
            quote(str, out);
        } else if (value instanceof Long || value instanceof Integer) {
            out.append(value);
        } else if (value instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                throw new Unsupported("a non-finite double");
            }
            out.append(d.doubleValue());
        } else if (value instanceof Boolean bool) {
            out.append(bool.booleanValue());
        } else if (value instanceof Enum<?> e) {
            write(enumValue(e), out, depth + 1);
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(list.get(i), out, depth + 1);
            }
            out.append(']');
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new Unsupported("a map key that is not a string");
                }
                if (!first) {
                    out.append(',');
                }
                first = false;
                quote(key, out);
                out.append(':');
                write(e.getValue(), out, depth + 1);
            }
            out.append('}');
        } else if (value.getClass().isRecord()) {
            writeRecord(value, out, depth);
        } else {
            throw new Unsupported("a " + value.getClass().getName());
        }
    }

    private static void writeRecord(Object record, StringBuilder out, int depth) {
        Class<?> c = record.getClass();
        RecordShape shape = RecordTypes.shape(c);
        Writing writing = writing(c);
        out.append('{');
        boolean first = true;
        for (int i = 0; i < shape.names().length; i++) {
            Object v;
            try {
                v = writing.accessors[i].invoke(record);
            } catch (ReflectiveOperationException e) {
                throw new Unsupported(c.getSimpleName() + ": " + e);
            }
            JsonInclude.Include rule = writing.include[i];
            if (v == null && rule != JsonInclude.Include.ALWAYS) {
                continue;
            }
            if (rule == JsonInclude.Include.NON_EMPTY && empty(v)) {
                continue;
            }
            if (!first) {
                out.append(',');
            }
            first = false;
            quote(shape.names()[i], out);
            out.append(':');
            write(v, out, depth + 1);
        }
        out.append('}');
    }

    private static boolean empty(Object v) {
        return v instanceof String str && str.isEmpty() || v instanceof java.util.Collection<?> col && col.isEmpty()
                || v instanceof Map<?, ?> map && map.isEmpty();
    }

    /** How a record type is written: its accessors and each component's inclusion rule. */
    private record Writing(Method[] accessors, JsonInclude.Include[] include) {
    }

    private static final Map<Class<?>, Writing> WRITINGS = new HashMap<>();

    private static Writing writing(Class<?> c) {
        synchronized (WRITINGS) {
            Writing known = WRITINGS.get(c);
            if (known != null) {
                return known;
            }
            RecordComponent[] components = c.getRecordComponents();
            Method[] accessors = new Method[components.length];
            JsonInclude.Include[] include = new JsonInclude.Include[components.length];
            JsonInclude.Include byClass = rule(c.getAnnotation(JsonInclude.class), JsonInclude.Include.ALWAYS, c.getName());
            java.util.Set<Method> own = new java.util.HashSet<>();
            try {
                for (int i = 0; i < components.length; i++) {
                    accessors[i] = components[i].getAccessor();
                    accessors[i].setAccessible(true);
                    own.add(accessors[i]);
                    JsonInclude onComponent = c.getDeclaredField(components[i].getName()).getAnnotation(JsonInclude.class);
                    if (onComponent == null) {
                        onComponent = accessors[i].getAnnotation(JsonInclude.class);
                    }
                    include[i] = rule(onComponent, byClass, c.getName() + "." + components[i].getName());
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new Unsupported(c.getName() + ": " + e);
            }
            for (Method m : c.getMethods()) {
                // a getter besides the components: Jackson writes it too
                if (!own.contains(m) && !java.lang.reflect.Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 0
                        && m.getDeclaringClass() != Object.class && m.getDeclaringClass() != Record.class
                        && (m.getName().matches("get[A-Z].*") || m.getName().matches("is[A-Z].*") && m.getReturnType() == boolean.class)) {
                    throw new Unsupported(c.getName() + " has the getter " + m.getName());
                }
            }
            Writing w = new Writing(accessors, include);
            WRITINGS.put(c, w);
            return w;
        }
    }

    private static JsonInclude.Include rule(JsonInclude annotation, JsonInclude.Include otherwise, String where) {
        if (annotation == null) {
            return otherwise;
        }
        if (annotation.content() != JsonInclude.Include.ALWAYS && annotation.content() != JsonInclude.Include.USE_DEFAULTS) {
            throw new Unsupported(where + ": content inclusion " + annotation.content());
        }
        return switch (annotation.value()) {
            case ALWAYS, NON_NULL, NON_EMPTY -> annotation.value();
            case NON_ABSENT -> JsonInclude.Include.NON_NULL; // the same for anything but Optional and references
            case USE_DEFAULTS -> otherwise;
            default -> throw new Unsupported(where + ": inclusion " + annotation.value());
        };
    }

    private static Object enumValue(Enum<?> e) {
        Class<?> c = e.getDeclaringClass();
        for (Method m : c.getMethods()) {
            if (m.getParameterCount() == 0 && m.isAnnotationPresent(JsonValue.class)) {
                try {
                    return m.invoke(e);
                } catch (ReflectiveOperationException ex) {
                    throw new Unsupported(c.getName() + ": " + ex);
                }
            }
        }
        return e.name();
    }

    private static final String HEX = "0123456789ABCDEF";

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (ch < 0x20) {
                        out.append("\\u00").append(HEX.charAt(ch >> 4)).append(HEX.charAt(ch & 0xf));
                    } else if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(ch).append(s.charAt(++i));
                    } else if (Character.isSurrogate(ch)) {
                        throw new Unsupported("a lone surrogate in a string"); // no UTF-8 for it
                    } else {
                        out.append(ch);
                    }
                }
            }
        }
        out.append('"');
    }
}
