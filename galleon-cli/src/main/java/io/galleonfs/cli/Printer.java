package io.galleonfs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Renders results as aligned tables for people or as JSON/YAML for scripts. */
final class Printer {
    /** Built on first use (holder classes): a table needs neither mapper (the JSON one alone cost a call ~30 ms to build). */
    private static final class Json {
        static final ObjectMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    }

    private static final class Yaml {
        static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    }

    /** Indented JSON for {@code -o json}; also reads problem documents. */
    static ObjectMapper json() {
        return Json.MAPPER;
    }

    static ObjectMapper yaml() {
        return Yaml.MAPPER;
    }

    private Printer() {
    }

    /** Prints {@code value} as JSON or YAML, or calls {@code table} for the human form. */
    static void print(PrintStream out, OutputOption.Output format, Object value, Consumer<PrintStream> table) {
        try {
            switch (format) {
                case json -> out.println(json().writeValueAsString(value));
                case yaml -> out.print(yaml().writeValueAsString(value));
                case table -> table.accept(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A column-aligned table with a header row. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        Table row(Object... cells) {
            String[] r = new String[cells.length];
            for (int i = 0; i < cells.length; i++) {
                r[i] = cells[i] == null ? "-" : cells[i].toString();
            }
            rows.add(r);
            return this;
        }

        /**
         * Renders the whole table first and hands it to {@code out} in one piece: {@code System.out} flushes on every
         * line, so printing row by row was a write(2) per row (10,000 volumes: 143–174 ms against 39–41 ms rendered
         * first, docs/BENCHMARKS.md).
         */
        void print(PrintStream out) {
            out.print(render());
            out.flush();
        }

        String render() {
            int cols = rows.getFirst().length;
            int[] width = new int[cols];
            int line = 0;
            for (String[] r : rows) {
                for (int i = 0; i < cols; i++) {
                    width[i] = Math.max(width[i], r[i].length());
                }
            }
            for (int w : width) {
                line += w + 2;
            }
            StringBuilder sb = new StringBuilder(rows.size() * line);
            String nl = System.lineSeparator();
            for (String[] r : rows) {
                int start = sb.length();
                for (int i = 0; i < cols; i++) {
                    sb.append(r[i]);
                    if (i < cols - 1) {
                        sb.repeat(' ', width[i] - r[i].length() + 2);
                    }
                }
                int end = sb.length();
                while (end > start && Character.isWhitespace(sb.charAt(end - 1))) {
                    end--;
                }
                sb.setLength(end);
                sb.append(nl);
            }
            return sb.toString();
        }
    }

    /** Key/value lines for one object. */
    static void fields(PrintStream out, Object... keyValues) {
        int w = 0;
        for (int i = 0; i < keyValues.length; i += 2) {
            w = Math.max(w, keyValues[i].toString().length());
        }
        for (int i = 0; i < keyValues.length; i += 2) {
            Object v = keyValues[i + 1];
            out.println(keyValues[i] + ":" + " ".repeat(w - keyValues[i].toString().length() + 1) + (v == null ? "-" : v));
        }
    }
}
