package io.l7mp.protocol;

import io.l7mp.L7mp;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.conformance.Peer;
import io.l7mp.testing.conformance.PeerServer;
import io.l7mp.testing.conformance.ProtocolConformance;
import io.l7mp.testing.conformance.StreamEchoServer;
import io.l7mp.testing.TestPki;
import io.l7mp.testing.conformance.StreamPeer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/** TLS client (the JDK's) -> TCP listener with {@code tls} -> TCP cluster with {@code tls} -> JDK TLS echo server. */
class TlsConformanceTest extends ProtocolConformance {
    private TestPki pki() throws Exception {
        // Made per check in the check's directory: a few EC keys, fast.
        if (pki == null) {
            pki = TestPki.create(dir);
        }
        return pki;
    }

    private TestPki pki;

    @Override
    protected ProtocolSpec listenerSpec() throws Exception {
        return TcpSpec.bind("127.0.0.1", 0)
                .withTls(TlsSpec.server(pki().serverCert.toString(), pki().serverKey.toString()));
    }

    @Override
    protected Peer connect(L7mp proxy) throws Exception {
        final SSLSocket s = (SSLSocket) pki().jdkClientContext(false).getSocketFactory().createSocket();
        s.setReceiveBufferSize(StreamPeer.SOCKET_BUFFER);
        s.setSendBufferSize(StreamPeer.SOCKET_BUFFER);
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", proxy.listener(LISTENER).port()), 5_000);
        s.startHandshake();
        return StreamPeer.of(s, StreamPeer.Framing.NONE);
    }

    @Override
    protected PeerServer startServer() throws Exception {
        final SSLServerSocket s = (SSLServerSocket) pki().jdkServerContext().getServerSocketFactory()
                .createServerSocket();
        s.setReceiveBufferSize(StreamPeer.SOCKET_BUFFER);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return StreamEchoServer.on(s);
    }

    @Override
    protected void cluster(ClusterSpec.Builder c, PeerServer server) throws Exception {
        c.spec(TcpSpec.port(((StreamEchoServer) server).port()).withTls(TlsSpec.client(pki().caCert.toString())))
                .endpoint("127.0.0.1");
    }

    @Override
    protected StreamKind streamKind() {
        return StreamKind.BYTE;
    }
}
