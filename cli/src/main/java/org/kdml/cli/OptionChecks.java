package org.kdml.cli;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Checks of option values picocli parsed but a command cannot use. Each failure is a usage
 * error (exit 2) whose message names the option and the value, e.g.
 * {@code --workers: must be >= 0, got -1}.
 */
final class OptionChecks {

    /** An option value out of its range or not among its choices. */
    static final class InvalidOption extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidOption(String message) {
            super(message);
        }
    }

    private OptionChecks() {
    }

    /** @return {@code value}, when it is at least {@code min} */
    static long atLeast(String option, long value, long min) {
        if (value < min) {
            throw new InvalidOption(option + ": must be >= " + min + ", got " + value);
        }
        return value;
    }

    /** @return {@code value}, when it is at least {@code min} */
    static int atLeast(String option, int value, int min) {
        return (int) atLeast(option, (long) value, min);
    }

    /** @return {@code port}, when it is a TCP port or 0 (any free one) */
    static int port(String option, int port) {
        if (port < 0 || port > 65535) {
            throw new InvalidOption(option + ": must be a port in [0, 65535], got " + port);
        }
        return port;
    }

    /** @return {@code value}, when it is one of {@code valid} ({@code what} names the kind of value) */
    static String oneOf(String option, String what, String value, List<String> valid) {
        if (!valid.contains(value)) {
            throw new InvalidOption(option + ": unknown " + what + " '" + value + "'; valid: " + String.join(", ", valid));
        }
        return value;
    }

    /** @return {@code uri}, when it is an http:// or https:// address with a host */
    static URI httpUri(String option, URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new InvalidOption(option + ": must be an http:// or https:// address, got " + uri);
        }
        return uri;
    }

    /**
     * @return {@code host}, when it is an IP literal or a name that resolves to an address of this
     *     machine other than the wildcard (a server binds it and clients elsewhere are told it)
     */
    static String localAddress(String option, String host) {
        InetAddress a;
        try {
            a = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new InvalidOption(option + ": must be an IP address or a name this machine resolves, got '" + host
                    + "'");
        }
        if (a.isAnyLocalAddress()) {
            throw new InvalidOption(option + ": must be one address workers connect to, not the wildcard " + host
                    + " (it is advertised to them)");
        }
        try {
            if (!a.isLoopbackAddress() && NetworkInterface.getByInetAddress(a) == null) {
                throw new InvalidOption(option + ": " + host + " (" + a.getHostAddress() + ") is not an address of"
                        + " this machine");
            }
        } catch (SocketException e) {
            throw new InvalidOption(option + ": cannot list this machine's addresses to check " + host + ": " + e);
        }
        return host;
    }
}
