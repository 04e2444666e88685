package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.l7mp.testing.conformance.Peer;
import io.l7mp.testing.conformance.PeerServer;
import io.l7mp.testing.conformance.StreamPeer;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A small RFC 6455 WebSocket client over a plain socket, as a conformance {@link Peer}: one binary message per
 * message, masked frames out, a close frame ends the stream. As a {@link StreamPeer} codec it reads a frame only when
 * asked, so a paused reader really stops reading, and its socket buffers and Nagle are the test's.
 * {@link WebSocketListenerTest} covers the JDK's client.
 */
final class WsPeer implements StreamPeer.Codec {
    private static final int OP_CONTINUATION = 0;
    private static final int OP_TEXT = 1;
    private static final int OP_BINARY = 2;
    private static final int OP_CLOSE = 8;

    private WsPeer() {
    }

    /** Connects to ws://127.0.0.1:{@code port}{@code path} and returns the peer once the upgrade was accepted. */
    static StreamPeer connect(int port, String path) throws IOException {
        final Socket s = new Socket();
        s.setReceiveBufferSize(StreamPeer.SOCKET_BUFFER);
        s.setSendBufferSize(StreamPeer.SOCKET_BUFFER);
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(5_000);
        final byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        final OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce)
                + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(US_ASCII));
        out.flush();
        final InputStream in = new java.io.BufferedInputStream(s.getInputStream(), 65536);
        final String head = readHead(in);
        if (!head.startsWith("HTTP/1.1 101")) {
            s.close();
            throw new IOException("WebSocket upgrade refused: " + head);
        }
        s.setSoTimeout(0);
        final WsPeer codec = new WsPeer();
        return new StreamPeer(in, out, () -> {
            try {
                // A normal close: a close frame with 1000, then the connection goes.
                codec.frame(out, OP_CLOSE, new byte[] {0x03, (byte) 0xe8});
                out.flush();
            } catch (final IOException e) {
                // the proxy closed first
            }
            s.close();
        }, null, codec);
    }

    private static String readHead(InputStream in) throws IOException {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            final int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed during the WebSocket upgrade");
            }
            b.write(c);
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : 0;
        }
        return b.toString(US_ASCII);
    }

    @Override
    public byte @Nullable [] read(InputStream in) throws IOException {
        final DataInputStream d = new DataInputStream(in);
        final ByteArrayOutputStream msg = new ByteArrayOutputStream();
        while (true) {
            final int b0;
            try {
                b0 = d.readUnsignedByte();
            } catch (final java.io.EOFException e) {
                return null;
            }
            final int b1 = d.readUnsignedByte();
            long len = b1 & 0x7f;
            if (len == 126) {
                len = d.readUnsignedShort();
            } else if (len == 127) {
                len = d.readLong();
            }
            if ((b1 & 0x80) != 0) {
                throw new IOException("the server masked a frame");
            }
            final byte[] payload = new byte[Math.toIntExact(len)];
            d.readFully(payload);
            final int op = b0 & 0x0f;
            if (op == OP_CLOSE) {
                return null;
            }
            if (op == OP_BINARY || op == OP_TEXT || op == OP_CONTINUATION) {
                msg.writeBytes(payload);
                if ((b0 & 0x80) != 0) {
                    return msg.toByteArray();
                }
            }
            // pings and pongs are not part of the stream; the proxy sends none unasked
        }
    }

    @Override
    public void write(OutputStream out, byte[] data) throws IOException {
        frame(out, OP_BINARY, data);
    }

    private void frame(OutputStream out, int op, byte[] data) throws IOException {
        final int n = data.length;
        final ByteBuffer f = ByteBuffer.allocate(14 + n);
        f.put((byte) (0x80 | op));
        if (n < 126) {
            f.put((byte) (0x80 | n));
        } else if (n < 65536) {
            f.put((byte) (0x80 | 126)).putShort((short) n);
        } else {
            f.put((byte) (0x80 | 127)).putLong(n);
        }
        final byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.put(mask);
        for (int i = 0; i < n; i++) {
            f.put((byte) (data[i] ^ mask[i & 3]));
        }
        out.write(f.array(), 0, f.position());
    }

    /** {@link NettyWsServer} as a conformance echo server. */
    record Server(NettyWsServer ws) implements PeerServer {
        @Override
        public int openConnections() {
            return ws.connections.size();
        }

        @Override
        public void closeConnections() {
            ws.closeAll(1000);
        }

        @Override
        public void close() {
            ws.close();
        }
    }
}
