package io.galleonfs.cli;

import java.lang.reflect.Type;

/**
 * The daemon's JSON to and from the API's records without Jackson's databind: building Jackson's mapper, its first
 * deserializers and (through jackson-core's parser) {@link java.math.BigDecimal}'s static initialiser, which in JDK 25
 * computes 5<sup>65536</sup>, cost ~70 ms of a ~0.3 s {@code galleonfs volume list} (ARCHITECTURE, "CLI start-up").
 * Every call pays that once, so a CLI call is where it shows.
 *
 * <p>It handles the shapes the API's messages have and nothing more, the way the CLI's Jackson mapper does: records
 * (canonical constructor, components named by their {@link com.fasterxml.jackson.annotation.JsonProperty} or their own
 * name), {@code List}, {@code Map<String, ?>}, strings, numbers, booleans, enums ({@link RecordTypes}); answers are
 * bound while read ({@link JsonRecordReader}: unknown properties ignored, a missing or null one as null, 0 or false),
 * request bodies written with the records' inclusion rules ({@link JsonRecordWriter}). Anything else, a type or a value
 * outside these rules, is {@link Unsupported}, and {@link RestProxy} then uses Jackson as before, so an unusual message
 * gets exactly the old result or error. {@code RecordJsonTest} holds both directions to Jackson's results for every
 * answer and body type of {@link io.galleonfs.api.GalleonApi}.
 */
final class RecordJson {
    /** The type or the value is outside what this decoder binds; the caller falls back to Jackson. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message, null, false, false); // thrown and caught in the normal course: no stack trace
        }
    }

    private RecordJson() {
    }

    /** Whether {@code type} is one this decoder binds (its values may still be {@link Unsupported}). */
    static boolean binds(Type type) {
        return RecordTypes.binds(type);
    }

    /** {@code body} (UTF-8 JSON) as a value of {@code type}; {@link Unsupported} when either is outside the rules. */
    static Object decode(byte[] body, Type type) {
        if (!binds(type)) {
            throw new Unsupported("type " + type);
        }
        return new JsonRecordReader(body).document(type);
    }

    /** {@code value} as UTF-8 JSON, as the CLI's Jackson mapper writes it ({@link JsonRecordWriter}). */
    static byte[] encode(Object value) {
        return JsonRecordWriter.encode(value);
    }
}
