package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.ConfigException;
import io.l7mp.L7mp;
import io.l7mp.SessionEvent;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import io.l7mp.testing.TestPki;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {
    @TempDir
    static Path dir;
    static TestPki pki;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestPki.create(dir);
    }

    static TlsSpec serverTls() {
        return TlsSpec.server(pki.serverCert.toString(), pki.serverKey.toString());
    }

    /** An echo proxy behind a TLS listener; with {@code verify}, only clients with a certificate from the CA. */
    static L7mp tlsEcho(boolean verify) throws Exception {
        TlsSpec tls = serverTls();
        if (verify) {
            tls = tls.withCa(pki.caCert.toString()).withVerify(true);
        }
        final TlsSpec t = tls;
        final L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("tls", l -> l.spec(TcpSpec.bind("127.0.0.1", 0).withTls(t))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build();
        proxy.start().get(5, SECONDS);
        return proxy;
    }

    /** Returns what comes back for {@code msg}, or null when the server refused us (alert or close). */
    static String exchange(SSLContext ctx, int port, String msg) throws Exception {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(msg.getBytes(US_ASCII));
            s.getOutputStream().flush();
            final InputStream in = s.getInputStream();
            final byte[] buf = new byte[msg.length()];
            int n = 0;
            while (n < buf.length) {
                final int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    return null;
                }
                n += r;
            }
            return new String(buf, US_ASCII);
        } catch (final IOException e) {
            return null;
        }
    }

    @Test
    void tcpListenerSpeaksTls() throws Exception {
        try (L7mp proxy = tlsEcho(false)) {
            final int port = proxy.listener("tls").port();
            assertThat(exchange(pki.jdkClientContext(false), port, "hello over tls")).isEqualTo("hello over tls");
            assertThat(exchange(pki.jdkClientContext(true), port, "with a cert too")).isEqualTo("with a cert too");
        }
    }

    @Test
    void aClientsCloseNotifyEndsTheSessionThoughItsTcpConnectionStaysOpen() throws Exception {
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (L7mp proxy = tlsEcho(false)) {
            final SslContext client = SslContextBuilder.forClient().trustManager(pki.caCert.toFile())
                    .sslProvider(SslProvider.JDK).build();
            final StringBuffer got = new StringBuffer();
            final Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(client.newHandler(c.alloc(), "127.0.0.1", 0))
                                    .addLast(new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            final ByteBuf b = (ByteBuf) msg;
                                            got.append(b.toString(US_ASCII));
                                            b.release();
                                        }
                                    });
                        }
                    })
                    .connect("127.0.0.1", proxy.listener("tls").port()).sync().channel();
            final SslHandler tls = ch.pipeline().get(SslHandler.class);
            tls.handshakeFuture().sync();
            ch.writeAndFlush(Unpooled.copiedBuffer("last words", US_ASCII)).sync();
            Await.until(Duration.ofSeconds(5), "the echo", () -> got.toString().equals("last words"));
            // A close_notify without a FIN (socat sends this at the end of its input): the session ends all the same.
            tls.closeOutbound().sync();
            Await.until(Duration.ofSeconds(5), "the proxy to close the connection", () -> !ch.isActive());
            Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
        } finally {
            group.shutdownGracefully(0, 1, SECONDS).sync();
        }
    }

    @Test
    void clientCertificateIsRequiredWhenVerifyIsOn() throws Exception {
        try (L7mp proxy = tlsEcho(true)) {
            final int port = proxy.listener("tls").port();
            assertThat(exchange(pki.jdkClientContext(true), port, "trusted")).isEqualTo("trusted");
            assertThat(exchange(pki.jdkClientContext(false), port, "anonymous")).isNull();
            assertThat(proxy.sessions()).hasSizeLessThanOrEqualTo(1);
        }
    }

    @Test
    void tcpClusterVerifiesTheServerAndPresentsItsCertificate() throws Exception {
        try (L7mp back = tlsEcho(true)) {
            final TlsSpec clientTls = TlsSpec.client(pki.caCert.toString())
                    .withCert(pki.clientCert.toString(), pki.clientKey.toString());
            try (L7mp front = L7mp.builder()
                    .cluster("up", c -> c.spec(TcpSpec.port(back.listener("tls").port()).withTls(clientTls))
                            .endpoint("127.0.0.1"))
                    .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0).withTls(serverTls()))
                            .rule(r -> r.route(rt -> rt.destination("up"))))
                    .build()) {
                front.start().get(5, SECONDS);
                assertThat(exchange(pki.jdkClientContext(false), front.listener("in").port(), "two tls hops"))
                        .isEqualTo("two tls hops");
            }
        }
    }

    @Test
    void unixStreamSocketsCarryTlsOnBothSides() throws Exception {
        final String sock = dir.resolve("tls.sock").toString();
        final TlsSpec serverWithClientCerts = serverTls().withCa(pki.caCert.toString()).withVerify(true);
        final TlsSpec clientTls = TlsSpec.client(pki.caCert.toString())
                .withCert(pki.clientCert.toString(), pki.clientKey.toString());
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("unix-tls", c -> c.spec(UnixSpec.cluster().withTls(clientTls)).endpoint(sock))
                .cluster("unix-plain", c -> c.spec(UnixSpec.cluster()).endpoint(sock))
                .listener("unix-in", l -> l.spec(UnixSpec.listen(sock).withTls(serverWithClientCerts))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("unix-tls"))))
                .listener("plain", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("unix-plain"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            // TCP -> Unix cluster with TLS (chain checked against the CA, no host name) -> Unix TLS listener -> Echo.
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.listener("in").port())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("over a tls unix socket".getBytes(US_ASCII));
                assertThat(s.getInputStream().readNBytes(22)).asString(US_ASCII).isEqualTo("over a tls unix socket");
            }
            // A plain client of the TLS listener never reaches the rules: no echo, the connection closes.
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.listener("plain").port())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("in clear".getBytes(US_ASCII));
                int r;
                try {
                    r = s.getInputStream().read();
                } catch (final java.net.SocketException reset) {
                    r = -1;
                }
                assertThat(r).isEqualTo(-1);
            }
            Await.until(Duration.ofSeconds(5), "the sessions to end", () -> proxy.sessions().isEmpty());
            assertThat(proxy.listener("unix-in").stats().sessions()).isEqualTo(1);
        }
    }

    @Test
    void tcpClusterRefusesAnUntrustedServerUnlessVerifyIsOff() throws Exception {
        // The upstream presents a certificate from a CA the cluster does not trust.
        try (L7mp stranger = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("tls", l -> l.spec(TcpSpec.bind("127.0.0.1", 0)
                                .withTls(TlsSpec.server(pki.strangerCert.toString(), pki.strangerKey.toString())))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build()) {
            stranger.start().get(5, SECONDS);
            final int port = stranger.listener("tls").port();
            for (final boolean verify : new boolean[] {true, false}) {
                final TlsSpec t = TlsSpec.client(pki.caCert.toString()).withVerify(verify);
                try (L7mp front = L7mp.builder()
                        .cluster("up", c -> c.spec(TcpSpec.port(port).withTls(t)).endpoint("127.0.0.1"))
                        .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                                .rule(r -> r.route(rt -> rt.destination("up"))))
                        .build()) {
                    front.start().get(5, SECONDS);
                    final List<SessionEvent> events = new CopyOnWriteArrayList<>();
                    try (AutoCloseable sub = front.subscribe(events::add);
                         java.net.Socket s = new java.net.Socket("127.0.0.1", front.listener("in").port())) {
                        s.setSoTimeout(5000);
                        s.getOutputStream().write("x".getBytes(US_ASCII));
                        int r;
                        try {
                            r = s.getInputStream().read();
                        } catch (final java.net.SocketException reset) {
                            r = -1;   // closed with our byte unread: a reset
                        }
                        if (verify) {
                            assertThat(r).isEqualTo(-1);
                            assertThat(events).anySatisfy(e -> assertThat(String.valueOf(e.content()))
                                    .contains("TLS handshake"));
                        } else {
                            assertThat(r).isEqualTo('x');
                        }
                    }
                }
            }
        }
    }

    /**
     * A TLS client whose upstream resets its connection in the middle of the answer gets the answer's start and then
     * a reset: the TLS stage resets its connection without a close_notify, which would have said that the stream was
     * complete (it got a close_notify before).
     */
    @Test
    void anUpstreamsResetReachesATlsClientAsAReset() throws Exception {
        try (java.net.ServerSocket backend = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                     .listener("tls", l -> l.spec(TcpSpec.bind("127.0.0.1", 0).withTls(serverTls()))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            try (SSLSocket s = (SSLSocket) pki.jdkClientContext(false).getSocketFactory()
                    .createSocket("127.0.0.1", proxy.listener("tls").port())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("request".getBytes(US_ASCII));
                s.getOutputStream().flush();
                try (java.net.Socket b = backend.accept()) {
                    b.setSoTimeout(5000);
                    assertThat(b.getInputStream().readNBytes(7)).asString(US_ASCII).isEqualTo("request");
                    b.getOutputStream().write("partial".getBytes(US_ASCII));
                    b.setSoLinger(true, 0);
                }
                final InputStream in = s.getInputStream();
                assertThat(in.readNBytes(7)).asString(US_ASCII).isEqualTo("partial");
                assertThatThrownBy(in::read).isInstanceOf(java.net.SocketException.class)
                        .hasMessageContaining("Connection reset");
            }
        }
    }

    @Test
    void webSocketOverTlsBothSides() throws Exception {
        try (NettyWsServer server = new NettyWsServer(SslContextBuilder.forServer(pki.serverCert.toFile(),
                pki.serverKey.toFile()).sslProvider(SslProvider.JDK).build(), null, "wss:");
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(WebSocketSpec.port(server.port())
                             .withTls(TlsSpec.client(pki.caCert.toString()))).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(WebSocketSpec.bind("127.0.0.1", 0).withTls(serverTls()))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            try (WsTestClient c = WsTestClient.connect(
                    URI.create("wss://127.0.0.1:" + proxy.listener("in").port() + "/secure?q=1"), Map.of(),
                    pki.jdkClientContext(false))) {
                c.sendText("secret");
                assertThat(c.next().string()).isEqualTo("wss:secret");
                assertThat(server.request().uri()).isEqualTo("/secure?q=1");
            }
        }
    }

    @Test
    void badTlsBlocksAreConfigErrorsNamingTheField() {
        final String missing = dir.resolve("nope.pem").toString();
        assertThatThrownBy(() -> L7mp.builder().listener("l", l -> l.spec(TcpSpec.port(0)
                        .withTls(TlsSpec.client(pki.caCert.toString()))))
                .build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("listeners[0].spec.tls.cert");
        assertThatThrownBy(() -> L7mp.builder().listener("l", l -> l.spec(TcpSpec.port(0)
                        .withTls(TlsSpec.server(missing, pki.serverKey.toString()))))
                .build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("listeners[0].spec.tls.cert")
                .hasMessageContaining("nope.pem");
        assertThatThrownBy(() -> L7mp.builder().listener("l", l -> l.spec(WebSocketSpec.port(0)
                        .withTls(serverTls().withVerify(true))))
                .build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("listeners[0].spec.tls.ca");
        assertThatThrownBy(() -> L7mp.builder().listener("l", l -> l.spec(TcpSpec.port(0)
                        .withTls(TlsSpec.server(pki.serverKey.toString(), pki.serverKey.toString()))))
                .build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("listeners[0].spec.tls");
        assertThatThrownBy(() -> new TlsSpec(pki.serverCert.toString(), null, null, null))
                .hasMessageStartingWith("key: missing");
    }
}
