package io.galleonfs.policy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A cron expression evaluated in a time zone. Five fields (minute hour day-of-month month day-of-week, the seed's
 * {@code "0 2 * * *"}) or six with seconds first ({@code "*&#47;2 * * * * ?"}); {@code *}, {@code ?}, lists, ranges, steps,
 * month and day names, and the macros {@code @hourly @daily @weekly @monthly @yearly}. As in Vixie cron, when both
 * day fields are restricted a day matches either.
 *
 * <p>Daylight saving: fire times are local wall-clock times. A local time that does not exist (spring forward) fires
 * shifted by the gap's length, a local time that exists twice (fall back) fires once, at its first occurrence; no
 * instant ever fires twice and instants are strictly increasing.
 */
public final class CronSchedule {
    private static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0", "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");
    private static final String[] MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    private static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
    /** Far enough for any satisfiable expression (Feb 29 on a given weekday recurs within 28 years). */
    private static final int SEARCH_YEARS = 30;

    private final String text;
    private final ZoneId zone;
    private final BitSet seconds;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek;
    private final boolean domRestricted;
    private final boolean dowRestricted;

    private CronSchedule(String text, ZoneId zone, String[] f) {
        this.text = text;
        this.zone = zone;
        int i = f.length == 6 ? 1 : 0;
        this.seconds = f.length == 6 ? parseField(f[0], 0, 59, null, "second") : single(0);
        this.minutes = parseField(f[i], 0, 59, null, "minute");
        this.hours = parseField(f[i + 1], 0, 23, null, "hour");
        this.daysOfMonth = parseField(f[i + 2], 1, 31, null, "day of month");
        this.months = parseField(f[i + 3], 1, 12, MONTHS, "month");
        BitSet dow = parseField(f[i + 4], 0, 7, DAYS, "day of week");
        if (dow.get(7)) {
            dow.set(0);
            dow.clear(7);
        }
        this.daysOfWeek = dow;
        this.domRestricted = !isWildcard(f[i + 2]);
        this.dowRestricted = !isWildcard(f[i + 4]);
    }

    /**
     * @throws IllegalArgumentException naming the field that is wrong, or saying that the expression never fires
     */
    public static CronSchedule parse(String expression, ZoneId zone) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("schedule is empty");
        }
        String trimmed = expression.trim();
        String expanded = MACROS.getOrDefault(trimmed.toLowerCase(Locale.ROOT), trimmed);
        String[] fields = expanded.split("\\s+");
        if (fields.length != 5 && fields.length != 6) {
            throw new IllegalArgumentException("schedule '" + trimmed + "' has " + fields.length
                    + " fields; use 5 (minute hour day month weekday) or 6 (second first)");
        }
        CronSchedule c;
        try {
            c = new CronSchedule(trimmed, zone, fields);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("schedule '" + trimmed + "': " + e.getMessage(), e);
        }
        if (c.nextAfter(Instant.parse("2000-01-01T00:00:00Z")).isEmpty()) {
            throw new IllegalArgumentException("schedule '" + trimmed + "' never fires");
        }
        return c;
    }

    public String text() {
        return text;
    }

    public ZoneId zone() {
        return zone;
    }

    /** The first fire time strictly after {@code after}, or empty if there is none within 30 years. */
    public Optional<Instant> nextAfter(Instant after) {
        // Start a little before the local time of 'after': a local time in a DST gap maps to an instant later than its
        // wall-clock reading, so a candidate up to the gap's length earlier may still fire after 'after'.
        java.time.zone.ZoneOffsetTransition near = zone.getRules().previousTransition(after.plusSeconds(3 * 3600));
        boolean nearTransition = near != null && near.getInstant().isAfter(after.minusSeconds(3 * 3600));
        LocalDateTime t = LocalDateTime.ofInstant(after, zone).minusHours(nearTransition ? 3 : 0).truncatedTo(ChronoUnit.SECONDS);
        LocalDateTime limit = t.plusYears(SEARCH_YEARS);
        while (t.isBefore(limit)) {
            LocalDateTime match = nextLocalMatch(t, limit);
            if (match == null) {
                return Optional.empty();
            }
            Instant fire = ZonedDateTime.ofLocal(match, zone, null).toInstant();
            if (fire.isAfter(after)) {
                return Optional.of(fire);
            }
            t = match.plusSeconds(1);
        }
        return Optional.empty();
    }

    /** The first local time at or after {@code t} that matches every field, or null before {@code limit}. */
    private LocalDateTime nextLocalMatch(LocalDateTime t, LocalDateTime limit) {
        while (t.isBefore(limit)) {
            if (!months.get(t.getMonthValue())) {
                t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
            } else if (!dayMatches(t)) {
                t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
            } else if (!hours.get(t.getHour())) {
                t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
            } else if (!minutes.get(t.getMinute())) {
                t = t.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
            } else if (!seconds.get(t.getSecond())) {
                t = t.plusSeconds(1);
            } else {
                return t;
            }
        }
        return null;
    }

    private boolean dayMatches(LocalDateTime t) {
        boolean dom = daysOfMonth.get(t.getDayOfMonth());
        boolean dow = daysOfWeek.get(t.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : t.getDayOfWeek().getValue());
        if (domRestricted && dowRestricted) {
            return dom || dow;
        }
        return dom && dow;
    }

    private static boolean isWildcard(String field) {
        return field.equals("*") || field.equals("?");
    }

    private static BitSet single(int v) {
        BitSet b = new BitSet();
        b.set(v);
        return b;
    }

    private static BitSet parseField(String field, int min, int max, String[] names, String what) {
        BitSet bits = new BitSet();
        for (String part : field.split(",", -1)) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException(what + " field '" + field + "' has an empty list element");
            }
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = number(part.substring(slash + 1), 1, max - min + 1, null, what + " step");
                range = part.substring(0, slash);
            }
            int lo;
            int hi;
            if (range.equals("*") || range.equals("?")) {
                lo = min;
                hi = max;
            } else {
                int dash = range.indexOf('-');
                if (dash > 0) {
                    lo = number(range.substring(0, dash), min, max, names, what);
                    hi = number(range.substring(dash + 1), min, max, names, what);
                    if (hi < lo) {
                        throw new IllegalArgumentException(what + " range '" + range + "' runs backwards");
                    }
                } else {
                    lo = number(range, min, max, names, what);
                    hi = slash >= 0 ? max : lo;
                }
            }
            for (int v = lo; v <= hi; v += step) {
                bits.set(v);
            }
        }
        return bits;
    }

    private static int number(String text, int min, int max, String[] names, String what) {
        if (names != null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equalsIgnoreCase(text)) {
                    return names == MONTHS ? i + 1 : i;
                }
            }
        }
        int v;
        try {
            v = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a number", e);
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + " " + v + " is outside " + min + "-" + max);
        }
        return v;
    }

    @Override
    public String toString() {
        return text + " (" + zone + ")";
    }
}
