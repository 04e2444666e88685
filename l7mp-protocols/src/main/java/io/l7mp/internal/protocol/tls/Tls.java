package io.l7mp.internal.protocol.tls;

import io.l7mp.protocol.TlsSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * Builds Netty TLS contexts and handlers from a {@link TlsSpec}, for any stream listener or cluster (TCP, WebSocket,
 * HTTP, ...). Uses the JDK's TLS provider. Build a context once per listener or cluster and a handler per connection.
 */
public final class Tls {
    /** The pipeline name of the TLS handler. */
    public static final String HANDLER_NAME = "l7mp-tls";

    private Tls() {
    }

    /**
     * Checks a spec for a role and loads its files, so that a bad path or PEM fails when the config is applied rather
     * than on the first connection. Throws {@link IllegalArgumentException} whose message starts with
     * {@code tls.<field>}.
     */
    public static void validate(@Nullable TlsSpec spec, boolean listener) {
        if (spec == null) {
            return;
        }
        if (listener && spec.cert() == null) {
            throw new IllegalArgumentException("tls.cert: missing (expected: the listener's PEM certificate and key)");
        }
        if (listener && spec.verifies(true) && spec.ca() == null) {
            throw new IllegalArgumentException("tls.ca: missing (expected: the PEM CA that signs client certificates "
                    + "when verify is true)");
        }
        readable("tls.cert", spec.cert());
        readable("tls.key", spec.key());
        readable("tls.ca", spec.ca());
        if (listener) {
            serverContext(spec);
        } else {
            clientContext(spec);
        }
    }

    /** Returns the files a {@code tls} block names, by field ({@code tls.cert}, {@code tls.key}, {@code tls.ca}). */
    public static Map<String, String> paths(@Nullable TlsSpec spec) {
        final Map<String, String> m = new LinkedHashMap<>();
        if (spec != null) {
            putIf(m, "tls.cert", spec.cert());
            putIf(m, "tls.key", spec.key());
            putIf(m, "tls.ca", spec.ca());
        }
        return m;
    }

    private static void putIf(Map<String, String> m, String field, @Nullable String file) {
        if (file != null) {
            m.put(field, file);
        }
    }

    /** Returns a server context; throws {@link IllegalArgumentException} when the files cannot be loaded. */
    public static SslContext serverContext(TlsSpec spec) {
        return serverContext(spec, List.of());
    }

    /**
     * Returns a server context that offers these application protocols by ALPN, in order of preference (e.g.
     * {@code h2}, {@code http/1.1}); a client that asks for none of them gets the handshake without ALPN. With
     * {@code h2} offered, the cipher suites are those HTTP/2 allows. Throws {@link IllegalArgumentException} when the
     * files cannot be loaded.
     */
    public static SslContext serverContext(TlsSpec spec, List<String> alpn) {
        if (spec.cert() == null || spec.key() == null) {
            throw new IllegalArgumentException("tls.cert: missing (expected: the listener's PEM certificate and key)");
        }
        final SslContextBuilder b;
        try {
            b = SslContextBuilder.forServer(new File(spec.cert()), new File(spec.key()));
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("tls.key: \"" + spec.key() + "\" (cannot load the key or certificate: "
                    + rootMessage(e) + ")", e);
        }
        b.sslProvider(SslProvider.JDK);
        if (!alpn.isEmpty()) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
            if (alpn.contains(ApplicationProtocolNames.HTTP_2)) {
                b.ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
            }
        }
        if (spec.verifies(true)) {
            b.clientAuth(ClientAuth.REQUIRE).trustManager(new File(requireCa(spec)));
        }
        return build(b, spec);
    }

    /** Opens a cluster's stage, over TLS when {@code ssl} is not null. */
    @FunctionalInterface
    public interface Connector {
        /** Connects {@code request}'s endpoint; {@code ssl} is the client context, or null for a plain stage. */
        Future<Stage> connect(@Nullable SslContext ssl, ConnectRequest request);
    }

    /**
     * Returns a cluster connecting through {@code connector} with the client context of {@code tls} (null: plain). A
     * TLS spec whose files cannot be loaded fails each connection with 500 and the reason, rather than the change
     * that adds the cluster.
     */
    public static Cluster cluster(@Nullable TlsSpec tls, boolean checkHost, Connector connector) {
        if (tls == null) {
            return r -> connector.connect(null, r);
        }
        final SslContext ssl;
        try {
            ssl = clientContext(tls, checkHost);
        } catch (final IllegalArgumentException e) {
            return r -> r.eventLoop().newFailedFuture(new SessionError(500, e.getMessage(), e));
        }
        return r -> connector.connect(ssl, r);
    }

    /** Returns a client context; throws {@link IllegalArgumentException} when the files cannot be loaded. */
    public static SslContext clientContext(TlsSpec spec) {
        return clientContext(spec, true);
    }

    /**
     * Returns a client context that, with {@code verify}, checks the server's chain and, when {@code checkHost}, its
     * host name (a Unix socket path has none to check). Throws {@link IllegalArgumentException} when the files
     * cannot be loaded.
     */
    public static SslContext clientContext(TlsSpec spec, boolean checkHost) {
        final SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
        if (spec.cert() != null && spec.key() != null) {
            b.keyManager(new File(spec.cert()), new File(spec.key()));
        }
        if (!spec.verifies(false)) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            if (spec.ca() != null) {
                b.trustManager(new File(spec.ca()));
            }
            b.endpointIdentificationAlgorithm(checkHost ? "HTTPS" : null);
        }
        return build(b, spec);
    }

    /** Returns a handler for an accepted connection. */
    public static SslHandler serverHandler(SslContext ctx, Channel ch) {
        return ctx.newHandler(ch.alloc());
    }

    /** Returns a handler for a connection to {@code remote}, whose host name is sent as SNI and verified. */
    public static SslHandler clientHandler(SslContext ctx, Channel ch, InetSocketAddress remote) {
        return ctx.newHandler(ch.alloc(), remote.getHostString(), remote.getPort());
    }

    private static SslContext build(SslContextBuilder b, TlsSpec spec) {
        try {
            return b.build();
        } catch (final SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("tls: cannot load " + files(spec) + ": " + rootMessage(e), e);
        }
    }

    private static String requireCa(TlsSpec spec) {
        final String ca = spec.ca();
        if (ca == null) {
            throw new IllegalArgumentException("tls.ca: missing (expected: the PEM CA that signs client certificates "
                    + "when verify is true)");
        }
        return ca;
    }

    private static void readable(String field, @Nullable String file) {
        // A regular file only: reading a FIFO or a device such as /dev/zero would block or never end.
        if (file != null && (!Files.isRegularFile(Path.of(file)) || !Files.isReadable(Path.of(file)))) {
            throw new IllegalArgumentException(field + ": \"" + file + "\" (expected: a readable PEM file)");
        }
    }

    private static String files(TlsSpec spec) {
        final StringBuilder sb = new StringBuilder();
        for (final String f : new String[] {spec.cert(), spec.key(), spec.ca()}) {
            if (f != null) {
                sb.append(sb.length() == 0 ? "" : ", ").append(f);
            }
        }
        return sb.toString();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + t.getMessage();
    }
}
