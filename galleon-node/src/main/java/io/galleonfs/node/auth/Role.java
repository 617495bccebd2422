package io.galleonfs.node.auth;

import java.util.Locale;

/** What a token may do. Each role includes the ones below it: admin ⊃ operator ⊃ viewer. */
public enum Role {
    VIEWER, OPERATOR, ADMIN;

    public boolean includes(Role required) {
        return compareTo(required) >= 0;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static Role parse(String text) {
        if (text != null) {
            for (Role r : values()) {
                if (r.wire().equals(text.trim().toLowerCase(Locale.ROOT))) {
                    return r;
                }
            }
        }
        throw new IllegalArgumentException("role '" + text + "' is invalid; expected admin, operator or viewer");
    }
}
