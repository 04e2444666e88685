package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.l7mp.L7mp;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.conformance.Loops;
import io.l7mp.testing.conformance.Peer;
import io.l7mp.testing.conformance.PeerServer;
import io.l7mp.testing.conformance.ProtocolConformance;
import io.l7mp.testing.conformance.StreamEchoServer;
import io.l7mp.testing.conformance.StreamPeer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/1.1 client streaming a chunked request body and reading the chunked response as it comes -> HTTP listener ->
 * TCP cluster -> TCP echo server: the request body is the session's input, the response body its output.
 */
class HttpConformanceTest extends ProtocolConformance {
    /** A chunked request body out, a chunked response body in (after a 200 head); the last chunk ends the stream. */
    static final class ChunkedCodec implements StreamPeer.Codec {
        private boolean headRead;
        private boolean ended;

        @Override
        public byte @Nullable [] read(InputStream in) throws IOException {
            if (ended) {
                return null;
            }
            if (!headRead) {
                final String status = line(in);
                if (status == null) {
                    return null;
                }
                if (!status.startsWith("HTTP/1.1 200")) {
                    throw new IOException("response status: " + status);
                }
                boolean chunked = false;
                String h;
                while ((h = line(in)) != null && !h.isEmpty()) {
                    chunked |= h.equalsIgnoreCase("transfer-encoding: chunked");
                }
                if (!chunked) {
                    throw new IOException("the response body is not chunked");
                }
                headRead = true;
            }
            final String size = line(in);
            if (size == null) {
                return null;
            }
            final int n = Integer.parseInt(size.split(";", 2)[0].trim(), 16);
            if (n == 0) {
                // The last chunk: the response (and so the session's output) is complete.
                while (true) {
                    final String trailer = line(in);
                    if (trailer == null || trailer.isEmpty()) {
                        break;
                    }
                }
                ended = true;
                return null;
            }
            final byte[] b = in.readNBytes(n);
            if (b.length < n) {
                return null;
            }
            line(in);
            return b;
        }

        @Override
        public void write(OutputStream out, byte[] data) throws IOException {
            if (data.length == 0) {
                return;
            }
            final byte[] head = (Integer.toHexString(data.length) + "\r\n").getBytes(US_ASCII);
            final byte[] chunk = new byte[head.length + data.length + 2];
            System.arraycopy(head, 0, chunk, 0, head.length);
            System.arraycopy(data, 0, chunk, head.length, data.length);
            chunk[chunk.length - 2] = '\r';
            chunk[chunk.length - 1] = '\n';
            out.write(chunk);
        }

        private static @Nullable String line(InputStream in) throws IOException {
            final ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    final byte[] l = b.toByteArray();
                    return new String(l, 0, l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length,
                            US_ASCII);
                }
                b.write(c);
            }
            return null;
        }
    }

    @Override
    protected ProtocolSpec listenerSpec() {
        return HttpSpec.bind("127.0.0.1", 0);
    }

    @Override
    protected Peer connect(L7mp proxy) throws Exception {
        final Socket s = new Socket();
        s.setReceiveBufferSize(StreamPeer.SOCKET_BUFFER);
        s.setSendBufferSize(StreamPeer.SOCKET_BUFFER);
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", proxy.listener(LISTENER).port()), 5_000);
        final OutputStream out = s.getOutputStream();
        out.write(("POST /conformance HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n").getBytes(US_ASCII));
        out.flush();
        // Ending the request body with the last chunk is this client's half-close: the proxy passes it on.
        return new StreamPeer(new BufferedInputStream(s.getInputStream(), 65536), out, s,
                () -> out.write("0\r\n\r\n".getBytes(US_ASCII)), new ChunkedCodec());
    }

    @Override
    protected PeerServer startServer() throws Exception {
        return StreamEchoServer.tcp();
    }

    @Override
    protected void cluster(ClusterSpec.Builder c, PeerServer server) {
        c.spec(TcpSpec.port(((StreamEchoServer) server).port())).endpoint("127.0.0.1");
    }

    @Override
    protected StreamKind streamKind() {
        return StreamKind.BYTE;
    }

    @Override
    protected boolean halfClose(Loops loops) {
        return true;
    }
}
