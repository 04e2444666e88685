package io.l7mp.internal.protocol;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spec.EndpointSpec;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Address and metadata helpers shared by the IP protocols. */
public final class Net {
    /** Netty's native errors read "finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:80". */
    private static final Pattern NATIVE =
            Pattern.compile("\\w+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: (.*?)(?:: /\\S+)?");

    private Net() {
    }

    /**
     * Returns the address to bind: all interfaces when {@code address} is null.
     *
     * @throws IllegalArgumentException when {@code address} does not resolve (Netty would fail on it with a bare
     *     NullPointerException)
     */
    public static InetSocketAddress bindAddress(@Nullable String address, @Nullable Integer port) {
        final int p = port == null ? 0 : port;
        if (address == null) {
            return new InetSocketAddress(p);
        }
        final InetSocketAddress a = new InetSocketAddress(address, p);
        if (a.isUnresolved()) {
            throw new IllegalArgumentException("address: \"" + address
                    + "\" does not resolve (expected: an IP address or a host name of this machine)");
        }
        return a;
    }

    /** Returns an endpoint's remote address: its own port if it has one, else the cluster's. */
    public static InetSocketAddress remote(@Nullable EndpointSpec endpoint, @Nullable Integer clusterPort) {
        if (endpoint == null) {
            throw new SessionError(404, "No endpoint in cluster");
        }
        final Integer p = endpoint.spec().port() != null ? endpoint.spec().port() : clusterPort;
        if (p == null) {
            throw new SessionError(400, "no port for endpoint " + endpoint.spec().address()
                    + " (set spec.port on the cluster or the endpoint)");
        }
        return new InetSocketAddress(endpoint.spec().address(), p);
    }

    /** Returns an address as l7mp writes it: the IP without a leading slash. */
    public static String ip(@Nullable SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            final InetAddress ia = i.getAddress();
            return ia == null ? i.getHostString() : ia.getHostAddress();
        }
        return String.valueOf(a);
    }

    /** Returns a port, or 0. */
    public static int port(@Nullable SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getPort() : 0;
    }

    /**
     * Returns the local address as l7mp shows it: a socket bound to all interfaces is dual-stack here ({@code ::}),
     * and for an IPv4 peer l7mp (an IPv4 socket) says {@code 0.0.0.0}, in metadata rules match and in session names.
     */
    private static String localIp(SocketAddress remote, SocketAddress local) {
        if (local instanceof InetSocketAddress l && l.getAddress() != null && l.getAddress().isAnyLocalAddress()
                && remote instanceof InetSocketAddress r && r.getAddress() instanceof Inet4Address) {
            return "0.0.0.0";
        }
        return ip(local);
    }

    /** Builds {@code {IP: {src_addr, dst_addr}, <L4>: {src_port, dst_port}}}. */
    public static ObjectNode ipMetadata(String l4, SocketAddress remote, SocketAddress local) {
        final ObjectNode md = JsonNodeFactory.instance.objectNode();
        md.putObject("IP").put("src_addr", ip(remote)).put("dst_addr", localIp(remote, local));
        md.putObject(l4).put("src_port", port(remote)).put("dst_port", port(local));
        return md;
    }

    /**
     * Starts the session of an accepted connection, named {@code <l4>:}{@link #tuple} with {@link #ipMetadata}: the
     * same as building the two apart, with each address turned into text once.
     */
    public static void newSession(ListenerContext ctx, String l4, SocketAddress remote, SocketAddress local,
                                  Stage stage) {
        final String rip = ip(remote);
        final String lip = localIp(remote, local);
        final int rport = port(remote);
        final int lport = port(local);
        final ObjectNode md = JsonNodeFactory.instance.objectNode();
        md.putObject("IP").put("src_addr", rip).put("dst_addr", lip);
        md.putObject(l4).put("src_port", rport).put("dst_port", lport);
        ctx.newSession(l4 + ':' + rip + ':' + rport + '-' + lip + ':' + lport, md, stage);
    }

    /** Returns {@code <raddr>:<rport>-<laddr>:<lport>}, the core of l7mp's session names. */
    public static String tuple(SocketAddress remote, SocketAddress local) {
        return ip(remote) + ":" + port(remote) + "-" + localIp(remote, local) + ":" + port(local);
    }

    /** Returns {@code host:port} as the user wrote the host ({@code [v6]:port} for an IPv6 literal). */
    public static String hostPort(InetSocketAddress a) {
        final String h = a.getHostString();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    /** The error of a failed connect: an unknown host says so instead of printing an unresolved address. */
    public static SessionError connectFailure(InetSocketAddress remote, Throwable cause, int status) {
        if (cause instanceof UnknownHostException || remote.isUnresolved()) {
            return new SessionError(502, "cannot resolve " + remote.getHostString(), cause);
        }
        return new SessionError(status, "cannot connect to " + hostPort(remote) + ": " + reason(cause), cause);
    }

    /** Returns the operating system's reason ("Connection refused") without the syscall and the address. */
    public static String reason(Throwable cause) {
        final String m = String.valueOf(cause.getMessage());
        final Matcher x = NATIVE.matcher(m);
        return x.matches() ? x.group(1) : m;
    }
}
