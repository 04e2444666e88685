package io.l7mp.internal.protocol.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.internal.protocol.Net;
import io.netty.handler.codec.http.HttpRequest;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.Map;

/** Builds a request's session metadata as l7mp lays it out (Node's {@code url.parse} of the request target). */
final class HttpMetadata {
    /** Headers Netty's HTTP/2-to-HTTP/1 conversion adds; not sent by the client. */
    private static final String NETTY_EXTENSION_PREFIX = "x-http2-";

    private HttpMetadata() {
    }

    /** Returns {@code {IP, TCP, HTTP: {version, method, url, headers}}}. */
    static ObjectNode of(HttpRequest request, String version, SocketAddress remote, SocketAddress local) {
        final ObjectNode md = Net.ipMetadata("TCP", remote, local);
        final ObjectNode http = md.putObject("HTTP");
        http.put("version", version);
        http.put("method", request.method().name());
        url(http.putObject("url"), request.uri());
        final ObjectNode headers = http.putObject("headers");
        for (final Map.Entry<String, String> h : request.headers()) {
            final String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith(NETTY_EXTENSION_PREFIX)) {
                continue;
            }
            addHeader(headers, name, h.getValue());
        }
        return md;
    }

    /** Joins repeated headers as Node does: set-cookie becomes a list, cookie joins with "; ", others with ", ". */
    private static void addHeader(ObjectNode headers, String name, String value) {
        final var old = headers.get(name);
        if ("set-cookie".equals(name)) {
            final ArrayNode a = old instanceof ArrayNode x ? x : headers.putArray(name);
            a.add(value);
        } else if (old == null) {
            headers.put(name, value);
        } else {
            headers.put(name, old.asText() + ("cookie".equals(name) ? "; " : ", ") + value);
        }
    }

    /**
     * Fills {@code {url, href, protocol, host, port, path, query}}: {@code path} is the path with its query string
     * and {@code query} the string after '?', as Node's legacy {@code url.parse} has them; absent parts are "".
     */
    static void url(ObjectNode url, String raw) {
        String rest = raw;
        String protocol = "";
        String host = "";
        String port = "";
        final int scheme = raw.indexOf("://");
        if (scheme > 0 && isScheme(raw.substring(0, scheme))) {
            protocol = raw.substring(0, scheme).toLowerCase(Locale.ROOT) + ":";
            final String after = raw.substring(scheme + 3);
            int end = after.length();
            for (final char c : new char[] {'/', '?', '#'}) {
                final int i = after.indexOf(c);
                if (i >= 0 && i < end) {
                    end = i;
                }
            }
            String authority = after.substring(0, end);
            final int at = authority.lastIndexOf('@');
            if (at >= 0) {
                authority = authority.substring(at + 1);
            }
            host = authority.toLowerCase(Locale.ROOT);
            final int colon = host.lastIndexOf(':');
            if (colon >= 0 && colon > host.lastIndexOf(']') && isDigits(host.substring(colon + 1))) {
                port = host.substring(colon + 1);
            }
            rest = after.substring(end);
            if (rest.isEmpty() || rest.charAt(0) != '/') {
                rest = "/" + rest;
            }
        }
        final int hash = rest.indexOf('#');
        final String path = hash >= 0 ? rest.substring(0, hash) : rest;
        final int q = path.indexOf('?');
        url.put("url", raw);
        url.put("href", raw);
        url.put("protocol", protocol);
        url.put("host", host);
        url.put("port", port);
        url.put("path", path);
        url.put("query", q >= 0 ? path.substring(q + 1) : "");
    }

    private static boolean isScheme(String s) {
        if (s.isEmpty() || !Character.isLetter(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (!Character.isLetterOrDigit(c) && c != '+' && c != '-' && c != '.') {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
