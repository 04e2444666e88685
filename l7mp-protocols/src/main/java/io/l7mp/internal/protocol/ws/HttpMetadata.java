package io.l7mp.internal.protocol.ws;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.internal.protocol.Net;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;

/**
 * Session metadata of an HTTP request as l7mp (Node.js) lays it out: {@code IP}, {@code TCP} and
 * {@code HTTP: {version, method, url: {url, href, protocol, host, port, path, query}, headers}}. The {@code url}
 * fields follow Node's {@code url.parse}: {@code path} includes the query string, {@code query} is the part after
 * {@code ?}, absent parts are {@code ""}. Header names are lower case; repeated headers are joined with {@code ", "}.
 * Shared by the WebSocket and HTTP listeners.
 */
public final class HttpMetadata {
    private HttpMetadata() {
    }

    /** Returns {@code {IP, TCP, HTTP}} for a request received on a connection from {@code remote} to {@code local}. */
    public static ObjectNode of(HttpRequest req, SocketAddress remote, SocketAddress local) {
        final ObjectNode md = Net.ipMetadata("TCP", remote, local);
        md.set("HTTP", http(req));
        return md;
    }

    /** Returns the {@code HTTP} object of a request. */
    public static ObjectNode http(HttpRequest req) {
        final ObjectNode http = JsonNodeFactory.instance.objectNode();
        final HttpVersion v = req.protocolVersion();
        http.put("version", v.majorVersion() + "." + v.minorVersion());
        http.put("method", req.method().name());
        http.set("url", url(req.uri()));
        final ObjectNode headers = http.putObject("headers");
        for (final Map.Entry<String, String> h : req.headers()) {
            final String name = h.getKey().toLowerCase(Locale.ROOT);
            final String old = headers.path(name).asText(null);
            headers.put(name, old == null ? h.getValue() : old + ", " + h.getValue());
        }
        return http;
    }

    /** Returns {@code {url, href, protocol, host, port, path, query}} of a request target. */
    public static ObjectNode url(String target) {
        final ObjectNode u = JsonNodeFactory.instance.objectNode();
        u.put("url", target);
        String href = target;
        String protocol = "";
        String host = "";
        String port = "";
        String path;
        String query = "";
        URI uri = null;
        try {
            uri = new URI(target);
        } catch (final URISyntaxException e) {
            // Not a valid URI (e.g. raw spaces): split by hand below.
        }
        if (uri != null && uri.isAbsolute() && uri.getRawAuthority() != null) {
            protocol = uri.getScheme().toLowerCase(Locale.ROOT) + ":";
            host = uri.getRawAuthority().substring(uri.getRawAuthority().lastIndexOf('@') + 1)
                    .toLowerCase(Locale.ROOT);
            port = uri.getPort() < 0 ? "" : Integer.toString(uri.getPort());
            final String p = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
            path = uri.getRawQuery() == null ? p : p + "?" + query;
            href = protocol + "//" + host + path;
        } else {
            final int hash = target.indexOf('#');
            path = hash < 0 ? target : target.substring(0, hash);
            final int q = path.indexOf('?');
            query = q < 0 ? "" : path.substring(q + 1);
        }
        u.put("href", href);
        u.put("protocol", protocol);
        u.put("host", host);
        u.put("port", port);
        u.put("path", path);
        u.put("query", query);
        return u;
    }

    /** Returns the path of a request target without its query string, e.g. {@code /ws} for {@code /ws?x=1}. */
    public static String pathOnly(String target) {
        String t = target;
        if (!t.startsWith("/")) {
            try {
                final URI uri = new URI(t);
                t = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            } catch (final URISyntaxException e) {
                // keep the raw target
            }
        }
        int end = t.length();
        final int q = t.indexOf('?');
        if (q >= 0) {
            end = q;
        }
        final int h = t.indexOf('#');
        if (h >= 0 && h < end) {
            end = h;
        }
        return t.substring(0, end);
    }
}
