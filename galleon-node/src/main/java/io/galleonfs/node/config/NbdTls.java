package io.galleonfs.node.config;

import java.util.Locale;

/**
 * Whether the NBD server offers TLS ({@code NBD_OPT_STARTTLS}) with the cluster certificates: not at all, to clients
 * that ask, or to every client (the protocol document's "forced TLS": nothing but STARTTLS and ABORT before it).
 */
public enum NbdTls {
    OFF, OPTIONAL, REQUIRE;

    /**
     * {@code text} empty means the default: optional when the node has cluster certificates ({@code tls_enabled}), off
     * otherwise. TLS without them is refused: the server would have no certificate to present.
     */
    public static NbdTls parse(String text, boolean tlsEnabled) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.isEmpty()) {
            return tlsEnabled ? OPTIONAL : OFF;
        }
        NbdTls mode = switch (t) {
            case "off", "false" -> OFF;
            case "optional" -> OPTIONAL;
            case "require", "required" -> REQUIRE;
            default -> throw new IllegalArgumentException("nbd_tls '" + text + "' is invalid; expected off, optional or require");
        };
        if (mode != OFF && !tlsEnabled) {
            throw new IllegalArgumentException("nbd_tls = " + t + " needs tls_enabled = true (--tls): NBD over TLS uses the cluster"
                    + " certificates under <storage>/tls");
        }
        return mode;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
