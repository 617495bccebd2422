package io.galleonfs.cli;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
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
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(body)).toString(); // malformed bytes fail, as in Jackson
        } catch (CharacterCodingException e) {
            throw new Unsupported("the answer is not UTF-8");
        }
        return bind(new Parser(text).document(), type);
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

    @SuppressWarnings("unchecked")
    private static Object bind(Object value, Type type) {
        if (type instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            Type element = p.getActualTypeArguments()[raw == Map.class ? 1 : 0];
            if (value == null) {
                return null;
            }
            if (raw == List.class && value instanceof List<?> items) {
                List<Object> out = new ArrayList<>(items.size());
                for (Object item : items) {
                    out.add(bind(item, element));
                }
                return out;
            }
            if (raw == Map.class && value instanceof Map<?, ?> entries) {
                Map<String, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : entries.entrySet()) {
                    out.put((String) e.getKey(), bind(e.getValue(), element));
                }
                return out;
            }
            throw new Unsupported("a " + kind(value) + " for " + type);
        }
        Class<?> c = (Class<?>) type;
        if (c.isPrimitive()) {
            return primitive(value, c);
        }
        if (value == null) {
            return null;
        }
        if (c == String.class) {
            if (value instanceof String s) {
                return s;
            }
            throw new Unsupported("a " + kind(value) + " for a string");
        }
        if (c == Long.class || c == Integer.class || c == Double.class || c == Boolean.class) {
            return primitive(value, c);
        }
        if (c.isEnum()) {
            if (value instanceof String s) {
                return create(c, s);
            }
            throw new Unsupported("a " + kind(value) + " for " + c.getSimpleName());
        }
        if (value instanceof Map<?, ?> object) {
            return record(c, (Map<String, Object>) object);
        }
        throw new Unsupported("a " + kind(value) + " for " + c.getSimpleName());
    }

    /** Jackson's defaults for a primitive: null is 0 or false; a fraction for an integer or a number out of range is not bound here. */
    private static Object primitive(Object value, Class<?> c) {
        if (c == boolean.class || c == Boolean.class) {
            if (value == null) {
                return c == boolean.class ? Boolean.FALSE : null;
            }
            if (value instanceof Boolean b) {
                return b;
            }
            throw new Unsupported("a " + kind(value) + " for a boolean");
        }
        if (value == null) {
            if (c == long.class) {
                return 0L;
            }
            if (c == int.class) {
                return 0;
            }
            return c == double.class ? 0.0 : null;
        }
        if (c == double.class || c == Double.class) {
            if (value instanceof Long l) {
                return l.doubleValue();
            }
            if (value instanceof Double d) {
                return d;
            }
            throw new Unsupported("a " + kind(value) + " for a number");
        }
        if (value instanceof Long l) {
            if (c == long.class || c == Long.class) {
                return l;
            }
            if (l == l.intValue()) {
                return l.intValue();
            }
        }
        throw new Unsupported("a " + kind(value) + " for " + c.getSimpleName());
    }

    private static Object record(Class<?> c, Map<String, Object> object) {
        RecordShape shape = shape(c);
        Object[] args = new Object[shape.names.length];
        for (int i = 0; i < args.length; i++) {
            args[i] = bind(object.get(shape.names[i]), shape.types[i]);
        }
        try {
            return shape.constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new Unsupported(c.getSimpleName() + " refused the answer's values: " + e.getCause());
        } catch (ReflectiveOperationException | IllegalArgumentException e) {
            throw new Unsupported(c.getSimpleName() + ": " + e);
        }
    }

    private record RecordShape(Constructor<?> constructor, String[] names, Type[] types) {
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
                RecordShape shape = new RecordShape(constructor, names, types);
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
        for (Method m : enumType.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 1 && m.getParameterTypes()[0] == String.class
                    && m.getReturnType() == enumType && m.isAnnotationPresent(JsonCreator.class)) {
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

    private static String kind(Object value) {
        return value == null ? "null" : value instanceof Map ? "object" : value instanceof List ? "array"
                : value instanceof String ? "string" : value instanceof Boolean ? "boolean" : "number";
    }

    /**
     * RFC 8259 text to values: objects as {@link LinkedHashMap} (a repeated name keeps its last value, as Jackson),
     * arrays as {@link ArrayList}, strings, {@link Long} for integers, {@link Double} for numbers with a fraction or an
     * exponent, {@link Boolean}, null. Malformed text, or an integer beyond a long, is {@link Unsupported}: Jackson
     * then reports it as it always did.
     */
    static final class Parser {
        private final String text;
        private int at;

        Parser(String text) {
            this.text = text;
        }

        Object document() {
            Object value = value(0);
            space();
            if (at != text.length()) {
                throw new Unsupported("text after the JSON value at " + at);
            }
            return value;
        }

        private Object value(int depth) {
            if (depth > 64) {
                throw new Unsupported("JSON nested too deeply");
            }
            space();
            if (at >= text.length()) {
                throw new Unsupported("JSON ends early");
            }
            char c = text.charAt(at);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> number();
            };
        }

        private Map<String, Object> object(int depth) {
            at++;
            Map<String, Object> out = new LinkedHashMap<>();
            space();
            if (peek() == '}') {
                at++;
                return out;
            }
            while (true) {
                space();
                if (peek() != '"') {
                    throw new Unsupported("expected a name at " + at);
                }
                String name = string();
                space();
                expect(':');
                out.put(name, value(depth + 1));
                space();
                char c = next();
                if (c == '}') {
                    return out;
                }
                if (c != ',') {
                    throw new Unsupported("expected , or } at " + (at - 1));
                }
            }
        }

        private List<Object> array(int depth) {
            at++;
            List<Object> out = new ArrayList<>();
            space();
            if (peek() == ']') {
                at++;
                return out;
            }
            while (true) {
                out.add(value(depth + 1));
                space();
                char c = next();
                if (c == ']') {
                    return out;
                }
                if (c != ',') {
                    throw new Unsupported("expected , or ] at " + (at - 1));
                }
            }
        }

        private String string() {
            at++; // the opening quote
            StringBuilder out = null;
            int start = at;
            while (true) {
                char c = next();
                if (c == '"') {
                    return out == null ? text.substring(start, at - 1) : out.append(text, start, at - 1).toString();
                }
                if (c < 0x20) {
                    throw new Unsupported("control character in a string at " + (at - 1));
                }
                if (c == '\\') {
                    if (out == null) {
                        out = new StringBuilder();
                    }
                    out.append(text, start, at - 1);
                    char e = next();
                    switch (e) {
                        case '"', '\\', '/' -> out.append(e);
                        case 'b' -> out.append('\b');
                        case 'f' -> out.append('\f');
                        case 'n' -> out.append('\n');
                        case 'r' -> out.append('\r');
                        case 't' -> out.append('\t');
                        case 'u' -> {
                            if (at + 4 > text.length()) {
                                throw new Unsupported("short \\u escape at " + at);
                            }
                            int code = 0;
                            for (int i = 0; i < 4; i++) {
                                int digit = Character.digit(text.charAt(at + i), 16);
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
                    start = at;
                }
            }
        }

        private Object number() {
            int start = at;
            if (peek() == '-') {
                at++;
            }
            int digits = digits();
            if (digits == 0 || (digits > 1 && text.charAt(at - digits) == '0')) {
                throw new Unsupported("bad number at " + start);
            }
            boolean integral = true;
            if (at < text.length() && text.charAt(at) == '.') {
                at++;
                integral = false;
                if (digits() == 0) {
                    throw new Unsupported("bad number at " + start);
                }
            }
            if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
                at++;
                integral = false;
                if (at < text.length() && (text.charAt(at) == '+' || text.charAt(at) == '-')) {
                    at++;
                }
                if (digits() == 0) {
                    throw new Unsupported("bad number at " + start);
                }
            }
            String literal = text.substring(start, at);
            if (!integral) {
                return Double.parseDouble(literal);
            }
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException e) {
                throw new Unsupported("integer beyond a long at " + start);
            }
        }

        private int digits() {
            int n = 0;
            while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
                at++;
                n++;
            }
            return n;
        }

        private Object literal(String word, Object value) {
            if (!text.startsWith(word, at)) {
                throw new Unsupported("bad literal at " + at);
            }
            at += word.length();
            return value;
        }

        private void space() {
            while (at < text.length()) {
                char c = text.charAt(at);
                if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                    return;
                }
                at++;
            }
        }

        private char peek() {
            if (at >= text.length()) {
                throw new Unsupported("JSON ends early");
            }
            return text.charAt(at);
        }

        private char next() {
            char c = peek();
            at++;
            return c;
        }

        private void expect(char c) {
            if (next() != c) {
                throw new Unsupported("expected " + c + " at " + (at - 1));
            }
        }
    }
}
