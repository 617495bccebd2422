package io.galleonfs.api;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints byte sizes with the seed's K/M/G/T suffixes (binary multiples, as storage tools use). */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGTP]?)(I?B)?", Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    /**
     * Parses "1G", "512M", "4096", "10GiB", "100MB". Suffixes are powers of 1024.
     *
     * @throws IllegalArgumentException with a readable message for anything else, zero, or overflow
     */
    public static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("size is empty; use a number with an optional K/M/G/T suffix, e.g. 1G");
        }
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size '" + text + "'; use a number with an optional K/M/G/T suffix, e.g. 1G");
        }
        long value;
        try {
            value = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + text + "' is too large");
        }
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "" -> 0;
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            case "P" -> 50;
            default -> throw new IllegalArgumentException("invalid size suffix in '" + text + "'");
        };
        if (value == 0) {
            throw new IllegalArgumentException("size must be greater than zero");
        }
        if (Long.numberOfLeadingZeros(value) <= shift) {
            throw new IllegalArgumentException("size '" + text + "' is too large");
        }
        return value << shift;
    }

    /** Human form: the largest binary unit that keeps one decimal, e.g. 1.0 GiB. */
    public static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int unit = -1;
        while (v >= 1024 && unit < units.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[unit]);
    }
}
