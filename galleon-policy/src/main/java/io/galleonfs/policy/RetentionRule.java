package io.galleonfs.policy;

/**
 * How many items a policy keeps, restic's {@code forget} flags: the newest {@code keepLast}, and the newest item of
 * each of the last N hours, days, ISO weeks, months and years that hold an item. All zero means keep everything.
 */
public record RetentionRule(int hourly, int daily, int weekly, int monthly, int yearly, int keepLast) {

    public RetentionRule {
        check("hourly", hourly);
        check("daily", daily);
        check("weekly", weekly);
        check("monthly", monthly);
        check("yearly", yearly);
        check("keep_last", keepLast);
    }

    private static void check(String field, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("retention " + field + " must not be negative, got " + value);
        }
    }

    public boolean keepsEverything() {
        return hourly == 0 && daily == 0 && weekly == 0 && monthly == 0 && yearly == 0 && keepLast == 0;
    }

    /** The most items this rule can keep (each rule keeps at most its count; an item kept by several counts once). */
    public long maxKept() {
        return (long) hourly + daily + weekly + monthly + yearly + keepLast;
    }
}
