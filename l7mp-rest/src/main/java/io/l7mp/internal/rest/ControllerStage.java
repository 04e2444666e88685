package io.l7mp.internal.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.RequestEnd;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The L7mpController's stage for one API call: collects the request body (up to a limit, else 413), and once the
 * request has ended runs the call and answers. A body
 * that has not ended within the body timeout gets 408 and its connection closes: a client that stalls in the middle
 * of its request would otherwise hold the session and the connection for as long as it keeps the socket open.
 * Confined to the session's loop.
 */
final class ControllerStage extends AnswerStage {
    private final RestService service;
    private final int maxBody;
    private final String method;
    private final String url;
    private final @Nullable String contentType;
    private final @Nullable String authorization;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final long bodyTimeoutMillis;
    private final long declaredLength;
    private @Nullable ScheduledFuture<?> bodyTimer;
    private boolean started;

    ControllerStage(ConnectRequest request, RestService service, int maxBody, long bodyTimeoutMillis) {
        super(request);
        this.service = service;
        this.maxBody = maxBody;
        this.bodyTimeoutMillis = bodyTimeoutMillis;
        final JsonNode http = request.metadata().path("HTTP");
        this.method = http.path("method").asText("GET");
        this.url = http.path("url").path("url").asText("/");
        this.contentType = text(http.path("headers").get("content-type"));
        this.authorization = text(http.path("headers").get("authorization"));
        this.declaredLength = length(text(http.path("headers").get("content-length")));
        if (request.source() instanceof RequestEnd end) {
            end.onRequestEnd(this::run);
        }
    }

    private static @Nullable String text(@Nullable JsonNode n) {
        return n == null || !n.isTextual() ? null : n.asText();
    }

    private static long length(@Nullable String contentLength) {
        if (contentLength == null) {
            return -1;
        }
        try {
            return Long.parseLong(contentLength.trim());
        } catch (final NumberFormatException e) {
            return -1;   // the listener's decoder refuses such a request before it gets here
        }
    }

    @Override
    protected void bound() {
        if (!started && !answered()) {
            bodyTimer = eventLoop().schedule(this::bodyTimedOut, bodyTimeoutMillis, TimeUnit.MILLISECONDS);
        }
        if (!(request.source() instanceof RequestEnd)) {
            // A listener that cannot tell where the request ends: take what arrived with the request head.
            eventLoop().execute(this::run);
        }
    }

    @Override
    public void write(ByteBuf msg) {
        final int n = msg.readableBytes();
        if (started || closed || answered()) {
            drop(msg);
            return;
        }
        if (body.size() + (long) n > maxBody) {
            drop(msg);
            cancelBodyTimer();
            answer(tooLarge());
            return;
        }
        final byte[] b = io.netty.buffer.ByteBufUtil.getBytes(msg);
        msg.release();
        body.write(b, 0, b.length);
    }

    /**
     * The rest of the body is not wanted: the connection ends after the answer (the listener drops what the client
     * still sends until it closes) instead of reading on, which a client that stalls in its body would make last.
     */
    private RestResponse tooLarge() {
        return RestService.errorResponse(413, "body: larger than " + maxBody + " bytes", Map.of("connection", "close"));
    }

    private void bodyTimedOut() {
        bodyTimer = null;
        if (started || closed || answered()) {
            return;
        }
        started = true;
        answer(RestService.errorResponse(408, "body: not complete within " + bodyTimeoutMillis + " ms (received "
                + body.size() + (declaredLength >= 0 ? " of " + declaredLength : "") + " bytes)",
                Map.of("connection", "close")));
    }

    private void cancelBodyTimer() {
        final ScheduledFuture<?> t = bodyTimer;
        if (t != null) {
            bodyTimer = null;
            t.cancel(false);
        }
    }

    @Override
    public void close(@Nullable Throwable cause) {
        cancelBodyTimer();
        super.close(cause);
    }

    private void run() {
        if (started || closed || answered()) {
            return;
        }
        started = true;
        cancelBodyTimer();
        final RestRequest req = new RestRequest(method, url, contentType, authorization, body.toByteArray(),
                request.sessionName());
        service.handle(req).whenComplete((r, e) -> eventLoop().execute(() -> answer(r != null ? r
                : RestService.errorResponse(500, "internal error: " + e, Map.of()))));
    }
}
