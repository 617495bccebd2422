package io.galleonfs.node.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * The address other machines reach this host at, for a node that listens on every address ({@code 0.0.0.0}): peers
 * cannot connect to a wildcard, so the node advertises one concrete address in its place.
 */
public final class LocalAddresses {
    private LocalAddresses() {
    }

    /**
     * The first address of an interface that is up, not loopback and not point-to-point, IPv4 before IPv6 and site-local
     * (10/8, 172.16/12, 192.168/16) before public; 127.0.0.1 when the host has no such interface.
     */
    public static String primaryHost() {
        List<InetAddress> candidates = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback() || nic.isPointToPoint()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (!a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isAnyLocalAddress()) {
                        candidates.add(a);
                    }
                }
            }
        } catch (SocketException e) {
            return "127.0.0.1";
        }
        return pick(candidates);
    }

    static String pick(List<InetAddress> candidates) {
        return candidates.stream()
                .min(Comparator.comparingInt((InetAddress a) -> a instanceof Inet4Address ? 0 : 1)
                        .thenComparingInt(a -> a.isSiteLocalAddress() ? 0 : 1))
                .map(InetAddress::getHostAddress)
                .orElse("127.0.0.1");
    }

    public static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("*");
    }
}
