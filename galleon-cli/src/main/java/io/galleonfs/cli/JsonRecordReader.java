package io.galleonfs.cli;

import io.galleonfs.cli.RecordJson.Unsupported;
import io.galleonfs.cli.RecordTypes.RecordShape;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds RFC 8259 text, read from its UTF-8 bytes, straight into the target type: no intermediate tree, no copy of the
 * text (a 10,000-volume list is ~6 MB). A repeated name keeps its last value, as in Jackson; unknown properties are
 * skipped but still checked as JSON. Malformed text, invalid UTF-8 in a string, an integer beyond a long, or a value
 * of the wrong kind for its type is {@link Unsupported}: Jackson then decodes the answer and reports it as it always
 * did.
 */
final class JsonRecordReader {
    private static final int MAX_DEPTH = 64;
    private final byte[] b;
    private int at;

    JsonRecordReader(byte[] body) {
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
            return c == '"' ? RecordTypes.create(raw, string()) : mismatch("a string", c);
        }
        RecordShape shape = RecordTypes.shape(raw);
        Object[] args = new Object[shape.names().length];
        for (int i = 0; i < args.length; i++) {
            args[i] = nullFor(shape.types()[i] instanceof Class<?> k ? k : Object.class);
        }
        at++;
        if (!emptyObject()) {
            while (true) {
                String name = name();
                Integer i = shape.index().get(name);
                if (i == null) {
                    skip(depth + 1); // a property of a newer daemon
                } else {
                    args[i] = read(shape.types()[i], depth + 1);
                }
                if (endOf('}')) {
                    break;
                }
            }
        }
        try {
            return shape.constructor().newInstance(args);
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
