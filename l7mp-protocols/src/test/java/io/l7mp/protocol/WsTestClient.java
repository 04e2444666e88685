package io.l7mp.protocol;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/** A JDK {@link WebSocket} client for tests: collects whole messages, pongs and the close code, with timeouts. */
final class WsTestClient implements WebSocket.Listener, AutoCloseable {
    /** A received message: text or binary. */
    record Message(boolean text, byte[] data) {
        String string() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    final BlockingQueue<ByteBuffer> pongs = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    volatile String closeReason = "";
    private final StringBuilder text = new StringBuilder();
    private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();
    private @Nullable WebSocket ws;

    static WsTestClient connect(URI uri) throws Exception {
        return connect(uri, Map.of(), null);
    }

    static WsTestClient connect(URI uri, Map<String, String> headers, @Nullable SSLContext ssl) throws Exception {
        final WsTestClient c = new WsTestClient();
        final HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (ssl != null) {
            hb.sslContext(ssl);
        }
        final WebSocket.Builder b = hb.build().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        headers.forEach(b::header);
        c.ws = b.buildAsync(uri, c).get(10, TimeUnit.SECONDS);
        return c;
    }

    WebSocket ws() {
        return java.util.Objects.requireNonNull(ws);
    }

    void sendText(String s) throws Exception {
        ws().sendText(s, true).get(5, TimeUnit.SECONDS);
    }

    void sendBinary(byte[] b) throws Exception {
        ws().sendBinary(ByteBuffer.wrap(b), true).get(5, TimeUnit.SECONDS);
    }

    Message next() throws InterruptedException {
        final Message m = messages.poll(5, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no WebSocket message within 5 s");
        }
        return m;
    }

    int closeCode() throws Exception {
        return closed.get(5, TimeUnit.SECONDS);
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            messages.add(new Message(true, text.toString().getBytes(StandardCharsets.UTF_8)));
            text.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        final byte[] b = new byte[data.remaining()];
        data.get(b);
        binary.writeBytes(b);
        if (last) {
            messages.add(new Message(false, binary.toByteArray()));
            binary.reset();
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
        final ByteBuffer copy = ByteBuffer.allocate(message.remaining());
        copy.put(message).flip();
        pongs.add(copy);
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason = reason;
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }

    @Override
    public void close() {
        final WebSocket w = ws;
        if (w != null) {
            w.abort();
        }
    }
}
