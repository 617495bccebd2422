package io.galleonfs.cli;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the daemon's JSON answers into the API's records without Jackson's databind: building Jackson's mapper, its
 * first deserializers and (through jackson-core's parser) {@link java.math.BigDecimal}'s static initialiser, which in
 * JDK 25 computes 5<sup>65536</sup>, cost ~70 ms of a ~0.3 s {@code galleonfs volume list} (ARCHITECTURE, "CLI
 * start-up"). Every call pays that once, so a CLI call is where it shows.
 *
 * <p>It binds the shapes the API's answers have and nothing more, the way the CLI's Jackson mapper does (unknown
 * properties ignored): records through their canonical constructor, a component named by its {@link JsonProperty} or
 * else its own name, a missing or null property as null, 0 or false; {@code List} and {@code Map<String, ?>} (mutable,
 * in the answer's order); strings, numbers and booleans; enums through their {@link JsonCreator} factory. Anything
 * else, a type or a value outside these rules, is {@link Unsupported}, and {@link RestProxy} then decodes the answer
 * with Jackson as before, so an unusual answer gets exactly the old result or error. {@code RecordJsonTest} holds
 * both decoders to the same result for every answer type of {@link io.galleonfs.api.GalleonApi}.
 */
final class RecordJson {
    /** The type or the value is outside what this decoder binds; the caller falls back to Jackson. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message, null, false, false); // thrown and caught in the normal course: no stack trace
        }
    }

    private static final Map<Class<?>, RecordShape> SHAPES = new HashMap<>();
    private static final Map<Class<?>, Method> CREATORS = new HashMap<>();

    private RecordJson() {
    }

    /** Whether {@code type} is one this decoder binds (its values may still be {@link Unsupported}). */
    static boolean binds(Type type) {
        try {
            check(type, 0);
            return true;
        } catch (Unsupported e) {
            return false;
        }
    }

    /** {@code body} (UTF-8 JSON) as a value of {@code type}; {@link Unsupported} when either is outside the rules. */
    static Object decode(byte[] body, Type type) {
        if (!binds(type)) {
            throw new Unsupported("type " + type);
        }
        return new Reader(body).document(type);
    }

    private static void check(Type type, int depth) {
        if (depth > 16) {
            throw new Unsupported("nested too deeply: " + type);
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            Type[] args = p.getActualTypeArguments();
            if (raw == List.class) {
                check(args[0], depth + 1);
            } else if (raw == Map.class && args[0] == String.class) {
                check(args[1], depth + 1);
            } else {
                throw new Unsupported("type " + type);
            }
        } else if (type instanceof Class<?> c) {
            if (scalar(c)) {
                return;
            }
            if (c.isEnum()) {
                creator(c);
            } else if (c.isRecord()) {
                for (Type component : shape(c).types) {
                    check(component, depth + 1);
                }
            } else {
                throw new Unsupported("type " + c.getName());
            }
        } else {
            throw new Unsupported("type " + type);
        }
    }

    private static boolean scalar(Class<?> c) {
        return c == String.class || c == long.class || c == Long.class || c == int.class || c == Integer.class
                || c == double.class || c == Double.class || c == boolean.class || c == Boolean.class;
    }

    private record RecordShape(Constructor<?> constructor, String[] names, Type[] types, Map<String, Integer> index) {
    }

    private static RecordShape shape(Class<?> c) {
        synchronized (SHAPES) {
            RecordShape known = SHAPES.get(c);
            if (known != null) {
                return known;
            }
            RecordComponent[] components = c.getRecordComponents();
            String[] names = new String[components.length];
            Type[] types = new Type[components.length];
            Class<?>[] raw = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getGenericType();
                raw[i] = components[i].getType();
            }
            try {
                Constructor<?> constructor = c.getDeclaredConstructor(raw);
                constructor.setAccessible(true);
                // @JsonProperty cannot target a record component: javac puts it on the component's constructor
                // parameter, field and accessor, where Jackson finds it too
                java.lang.annotation.Annotation[][] parameters = constructor.getParameterAnnotations();
                for (int i = 0; i < components.length; i++) {
                    JsonProperty property = find(parameters[i]);
                    if (property == null) {
                        property = c.getDeclaredField(components[i].getName()).getAnnotation(JsonProperty.class);
                    }
                    if (property == null) {
                        property = components[i].getAccessor().getAnnotation(JsonProperty.class);
                    }
                    names[i] = property == null || property.value().isEmpty() ? components[i].getName() : property.value();
                }
                Map<String, Integer> index = new HashMap<>();
                for (int i = 0; i < names.length; i++) {
                    index.put(names[i], i);
                }
                RecordShape shape = new RecordShape(constructor, names, types, index);
                SHAPES.put(c, shape);
                return shape;
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new Unsupported(c.getName() + ": " + e);
            }
        }
    }

    private static JsonProperty find(java.lang.annotation.Annotation[] annotations) {
        for (java.lang.annotation.Annotation a : annotations) {
            if (a instanceof JsonProperty p) {
                return p;
            }
        }
        return null;
    }

    private static Method creator(Class<?> enumType) {
        synchronized (CREATORS) {
            Method known = CREATORS.get(enumType);
            if (known != null) {
                return known;
            }
        }
        for (Method m : enumType.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 1 && m.getParameterTypes()[0] == String.class
                    && m.getReturnType() == enumType && m.isAnnotationPresent(JsonCreator.class)) {
                synchronized (CREATORS) {
                    CREATORS.put(enumType, m);
                }
                return m;
            }
        }
        throw new Unsupported(enumType.getName() + " has no @JsonCreator factory");
    }

    private static Object create(Class<?> enumType, String text) {
        try {
            return creator(enumType).invoke(null, text);
        } catch (InvocationTargetException e) {
            throw new Unsupported(enumType.getSimpleName() + " refused '" + text + "': " + e.getCause());
        } catch (IllegalAccessException e) {
            throw new Unsupported(enumType.getName() + ": " + e);
        }
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
        RecordShape shape = shape(c);
        Writing writing = writing(c, shape);
        out.append('{');
        boolean first = true;
        for (int i = 0; i < shape.names.length; i++) {
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
            quote(shape.names[i], out);
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

    private static Writing writing(Class<?> c, RecordShape shape) {
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

    /**
     * Binds RFC 8259 text, read from its UTF-8 bytes, straight into the target type: no intermediate tree, no copy of the
     * text (a 10,000-volume list is ~6 MB). A repeated name keeps its last value, as in Jackson; unknown properties are
     * skipped but still checked as JSON. Malformed text, invalid UTF-8 in a string, an integer beyond a long, or a value
     * of the wrong kind for its type is {@link Unsupported}: Jackson then decodes the answer and reports it as it always
     * did.
     */
    static final class Reader {
        private static final int MAX_DEPTH = 64;
        private final byte[] b;
        private int at;

        Reader(byte[] body) {
            this.b = body;
        }

        Object document(Type type) {
            Object value = read(type, 0);
            space();
            if (at != b.length) {
                throw new Unsupported("text after the JSON value at " + at);
            }
            return value;
        }

        @SuppressWarnings("unchecked")
        private Object read(Type type, int depth) {
            if (depth > MAX_DEPTH) {
                throw new Unsupported("JSON nested too deeply");
            }
            space();
            byte c = peek();
            Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
            if (c == 'n') {
                literal("null");
                return nullFor(raw);
            }
            if (raw == String.class) {
                return c == '"' ? string() : mismatch("a string", c);
            }
            if (raw == long.class || raw == Long.class || raw == int.class || raw == Integer.class) {
                if (c != '-' && (c < '0' || c > '9')) {
                    return mismatch("an integer", c);
                }
                long v = integer();
                if (raw == long.class || raw == Long.class) {
                    return v;
                }
                if (v != (int) v) {
                    throw new Unsupported("integer beyond an int at " + at);
                }
                return (int) v;
            }
            if (raw == double.class || raw == Double.class) {
                if (c != '-' && (c < '0' || c > '9')) {
                    return mismatch("a number", c);
                }
                return number();
            }
            if (raw == boolean.class || raw == Boolean.class) {
                if (c == 't') {
                    literal("true");
                    return Boolean.TRUE;
                }
                if (c == 'f') {
                    literal("false");
                    return Boolean.FALSE;
                }
                return mismatch("a boolean", c);
            }
            if (raw == List.class) {
                if (c != '[') {
                    return mismatch("an array", c);
                }
                Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
                at++;
                List<Object> out = new ArrayList<>();
                space();
                if (peek() == ']') {
                    at++;
                    return out;
                }
                while (true) {
                    out.add(read(element, depth + 1));
                    if (endOf(']')) {
                        return out;
                    }
                }
            }
            if (c != '{' && !raw.isEnum()) {
                return mismatch("an object", c);
            }
            if (raw == Map.class) {
                Type value = ((ParameterizedType) type).getActualTypeArguments()[1];
                at++;
                Map<String, Object> out = new LinkedHashMap<>();
                if (emptyObject()) {
                    return out;
                }
                while (true) {
                    String name = name();
                    out.put(name, read(value, depth + 1));
                    if (endOf('}')) {
                        return out;
                    }
                }
            }
            if (raw.isEnum()) {
                return c == '"' ? create(raw, string()) : mismatch("a string", c);
            }
            RecordShape shape = shape(raw);
            Object[] args = new Object[shape.names.length];
            for (int i = 0; i < args.length; i++) {
                args[i] = nullFor(shape.types[i] instanceof Class<?> k ? k : Object.class);
            }
            at++;
            if (!emptyObject()) {
                while (true) {
                    String name = name();
                    Integer i = shape.index.get(name);
                    if (i == null) {
                        skip(depth + 1); // a property of a newer daemon
                    } else {
                        args[i] = read(shape.types[i], depth + 1);
                    }
                    if (endOf('}')) {
                        break;
                    }
                }
            }
            try {
                return shape.constructor.newInstance(args);
            } catch (InvocationTargetException e) {
                throw new Unsupported(raw.getSimpleName() + " refused the answer's values: " + e.getCause());
            } catch (ReflectiveOperationException | IllegalArgumentException e) {
                throw new Unsupported(raw.getSimpleName() + ": " + e);
            }
        }

        /** Jackson's defaults: null (or a missing property) is 0 or false for a primitive. */
        private static Object nullFor(Class<?> raw) {
            if (raw == long.class) {
                return 0L;
            }
            if (raw == int.class) {
                return 0;
            }
            if (raw == double.class) {
                return 0.0;
            }
            return raw == boolean.class ? Boolean.FALSE : null;
        }

        private Object mismatch(String expected, byte found) {
            throw new Unsupported("expected " + expected + " at " + at + ", found '" + (char) found + "'");
        }

        /** After a value inside an array or object: true at its end, false after a comma. */
        private boolean endOf(char close) {
            space();
            byte c = next();
            if (c == close) {
                return true;
            }
            if (c != ',') {
                throw new Unsupported("expected , or " + close + " at " + (at - 1));
            }
            return false;
        }

        private boolean emptyObject() {
            space();
            if (peek() == '}') {
                at++;
                return true;
            }
            return false;
        }

        private String name() {
            space();
            if (peek() != '"') {
                throw new Unsupported("expected a name at " + at);
            }
            String name = string();
            space();
            if (next() != ':') {
                throw new Unsupported("expected : at " + (at - 1));
            }
            return name;
        }

        /** Checks and passes over one value of any kind. */
        private void skip(int depth) {
            if (depth > MAX_DEPTH) {
                throw new Unsupported("JSON nested too deeply");
            }
            space();
            byte c = peek();
            switch (c) {
                case '{' -> {
                    at++;
                    if (!emptyObject()) {
                        do {
                            name();
                            skip(depth + 1);
                        } while (!endOf('}'));
                    }
                }
                case '[' -> {
                    at++;
                    space();
                    if (peek() == ']') {
                        at++;
                    } else {
                        do {
                            skip(depth + 1);
                        } while (!endOf(']'));
                    }
                }
                case '"' -> string();
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                default -> number();
            }
        }

        private String string() {
            at++; // the opening quote
            int start = at;
            boolean ascii = true;
            while (true) {
                if (at >= b.length) {
                    throw new Unsupported("JSON ends in a string");
                }
                int c = b[at] & 0xff;
                if (c == '"') {
                    String s = ascii ? new String(b, start, at - start, StandardCharsets.ISO_8859_1) : utf8(start, at);
                    at++;
                    return s;
                }
                if (c == '\\') {
                    return escaped(start, ascii);
                }
                if (c < 0x20) {
                    throw new Unsupported("control character in a string at " + at);
                }
                if (c >= 0x80) {
                    ascii = false;
                }
                at++;
            }
        }

        /** The rest of a string that has an escape at {@code at}; {@code start} is where its text began. */
        private String escaped(int start, boolean ascii) {
            StringBuilder out = new StringBuilder();
            out.append(ascii ? new String(b, start, at - start, StandardCharsets.ISO_8859_1) : utf8(start, at));
            int run = -1; // start of unescaped bytes not yet appended
            boolean runAscii = true;
            while (true) {
                if (at >= b.length) {
                    throw new Unsupported("JSON ends in a string");
                }
                int c = b[at] & 0xff;
                if (c == '"' || c == '\\') {
                    if (run >= 0) {
                        out.append(runAscii ? new String(b, run, at - run, StandardCharsets.ISO_8859_1) : utf8(run, at));
                        run = -1;
                        runAscii = true;
                    }
                    if (c == '"') {
                        at++;
                        return out.toString();
                    }
                    at++;
                    if (at >= b.length) {
                        throw new Unsupported("JSON ends in an escape");
                    }
                    int e = b[at++] & 0xff;
                    switch (e) {
                        case '"', '\\', '/' -> out.append((char) e);
                        case 'b' -> out.append('\b');
                        case 'f' -> out.append('\f');
                        case 'n' -> out.append('\n');
                        case 'r' -> out.append('\r');
                        case 't' -> out.append('\t');
                        case 'u' -> {
                            if (at + 4 > b.length) {
                                throw new Unsupported("short \\u escape at " + at);
                            }
                            int code = 0;
                            for (int i = 0; i < 4; i++) {
                                int digit = Character.digit(b[at + i], 16);
                                if (digit < 0) {
                                    throw new Unsupported("bad \\u escape at " + at);
                                }
                                code = code * 16 + digit;
                            }
                            at += 4;
                            out.append((char) code);
                        }
                        default -> throw new Unsupported("bad escape at " + (at - 1));
                    }
                    continue;
                }
                if (c < 0x20) {
                    throw new Unsupported("control character in a string at " + at);
                }
                if (run < 0) {
                    run = at;
                }
                if (c >= 0x80) {
                    runAscii = false;
                }
                at++;
            }
        }

        /** Bytes [from, to) as UTF-8, refusing malformed sequences as Jackson does. */
        private String utf8(int from, int to) {
            try {
                return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b, from, to - from)).toString();
            } catch (CharacterCodingException e) {
                throw new Unsupported("a string that is not UTF-8 at " + from);
            }
        }

        /** An integer literal (no fraction, no exponent) that fits in a long. */
        private long integer() {
            int start = at;
            boolean negative = peek() == '-';
            if (negative) {
                at++;
            }
            int digits = digits();
            if (digits == 0 || (digits > 1 && b[at - digits] == '0')) {
                throw new Unsupported("bad number at " + start);
            }
            if (at < b.length && (b[at] == '.' || b[at] == 'e' || b[at] == 'E')) {
                throw new Unsupported("a fraction or exponent for an integer at " + start);
            }
            long v = 0;
            for (int i = at - digits; i < at; i++) {
                int d = b[i] - '0';
                // accumulated negatively, so that Long.MIN_VALUE fits
                if (v < (Long.MIN_VALUE + d) / 10) {
                    throw new Unsupported("integer beyond a long at " + start);
                }
                v = v * 10 - d;
            }
            if (!negative) {
                if (v == Long.MIN_VALUE) {
                    throw new Unsupported("integer beyond a long at " + start);
                }
                v = -v;
            }
            return v;
        }

        /** Any number literal, as a double. */
        private double number() {
            int start = at;
            if (at < b.length && b[at] == '-') {
                at++;
            }
            int digits = digits();
            if (digits == 0 || (digits > 1 && b[at - digits] == '0')) {
                throw new Unsupported("bad number at " + start);
            }
            if (at < b.length && b[at] == '.') {
                at++;
                if (digits() == 0) {
                    throw new Unsupported("bad number at " + start);
                }
            }
            if (at < b.length && (b[at] == 'e' || b[at] == 'E')) {
                at++;
                if (at < b.length && (b[at] == '+' || b[at] == '-')) {
                    at++;
                }
                if (digits() == 0) {
                    throw new Unsupported("bad number at " + start);
                }
            }
            return Double.parseDouble(new String(b, start, at - start, StandardCharsets.ISO_8859_1));
        }

        private int digits() {
            int n = 0;
            while (at < b.length && b[at] >= '0' && b[at] <= '9') {
                at++;
                n++;
            }
            return n;
        }

        private void literal(String word) {
            int n = word.length();
            if (at + n > b.length) {
                throw new Unsupported("bad literal at " + at);
            }
            for (int i = 0; i < n; i++) {
                if (b[at + i] != word.charAt(i)) {
                    throw new Unsupported("bad literal at " + at);
                }
            }
            at += n;
        }

        private void space() {
            while (at < b.length) {
                byte c = b[at];
                if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                    return;
                }
                at++;
            }
        }

        private byte peek() {
            if (at >= b.length) {
                throw new Unsupported("JSON ends early");
            }
            return b[at];
        }

        private byte next() {
            byte c = peek();
            at++;
            return c;
        }
    }
}
