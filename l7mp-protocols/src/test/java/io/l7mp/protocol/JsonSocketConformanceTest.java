package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.l7mp.L7mp;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.conformance.DatagramPeer;
import io.l7mp.testing.conformance.Peer;
import io.l7mp.testing.conformance.PeerServer;
import io.l7mp.testing.conformance.ProtocolConformance;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * JSONSocket client over UDP (header, then datagrams) -> JSONSocket listener over UDP -> JSONSocket cluster over UDP
 * -> a JSONSocket echo server over UDP, which answers each client's header with 200 and then echoes.
 */
class JsonSocketConformanceTest extends ProtocolConformance {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Connects a JSONSocket client over UDP: sends {@code header}, expects a 200 answer. */
    static DatagramPeer jsonSocketClient(int port, String header) throws Exception {
        final DatagramPeer p = new DatagramPeer(new InetSocketAddress("127.0.0.1", port));
        p.send(header.getBytes(UTF_8));
        final JsonNode answer = JSON.readTree(p.receive(WAIT));
        if (answer.path("JSONSocketStatus").asInt() != 200) {
            p.close();
            throw new IOException("JSONSocket header refused: " + answer);
        }
        return p;
    }

    /**
     * A JSONSocket v1 echo server over UDP: the first datagram of each remote address is its request header (kept in
     * {@link #headers}), answered with 200 OK; the later ones are echoed.
     */
    static final class EchoServer implements PeerServer {
        final LinkedBlockingQueue<JsonNode> headers = new LinkedBlockingQueue<>();
        private final DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        private final Map<SocketAddress, Boolean> clients = new ConcurrentHashMap<>();

        EchoServer() throws IOException {
            final Thread t = new Thread(this::run, "jsonsocket-echo");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void run() {
            final byte[] buf = new byte[65536];
            while (!socket.isClosed()) {
                try {
                    final DatagramPacket p = new DatagramPacket(buf, buf.length);
                    socket.receive(p);
                    if (clients.putIfAbsent(p.getSocketAddress(), true) == null) {
                        headers.add(JSON.readTree(buf, 0, p.getLength()));
                        final byte[] ok = "{\"JSONSocketVersion\":1,\"JSONSocketStatus\":200,\"JSONSocketMessage\":\"OK\"}"
                                .getBytes(UTF_8);
                        socket.send(new DatagramPacket(ok, ok.length, p.getSocketAddress()));
                    } else {
                        socket.send(new DatagramPacket(buf, 0, p.getLength(), p.getSocketAddress()));
                    }
                } catch (final SocketException e) {
                    return;
                } catch (final IOException e) {
                    // a header that is not JSON: ignored
                }
            }
        }

        @Override
        public int openConnections() {
            return -1;
        }

        @Override
        public void closeConnections() {
            throw new UnsupportedOperationException("JSONSocket over UDP has no connections");
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    @Override
    protected ProtocolSpec listenerSpec() {
        return JsonSocketSpec.over(UdpSpec.bind("127.0.0.1", 0));
    }

    @Override
    protected Peer connect(L7mp proxy) throws Exception {
        return jsonSocketClient(proxy.listener(LISTENER).port(), "{\"JSONSocketVersion\": 1}");
    }

    @Override
    protected PeerServer startServer() throws Exception {
        return new EchoServer();
    }

    @Override
    protected void cluster(ClusterSpec.Builder c, PeerServer server) {
        c.spec(JsonSocketSpec.over(UdpSpec.port(((EchoServer) server).port()))).endpoint("127.0.0.1");
    }

    @Override
    protected StreamKind streamKind() {
        return StreamKind.DATAGRAM;
    }

    @Override
    protected boolean closeVisible() {
        return false;
    }

    @Override
    protected boolean lossy() {
        return true;
    }
}
