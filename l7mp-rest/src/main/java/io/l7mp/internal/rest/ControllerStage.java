package io.l7mp.internal.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.RequestEnd;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The L7mpController's stage for one API call: collects the request body (up to a limit, else 413), and once the
 * request has ended runs the call and answers. Confined to the session's loop.
 */
final class ControllerStage extends AnswerStage {
    private final RestService service;
    private final int maxBody;
    private final String method;
    private final String url;
    private final @Nullable String contentType;
    private final @Nullable String authorization;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private boolean started;

    ControllerStage(ConnectRequest request, RestService service, int maxBody) {
        super(request);
        this.service = service;
        this.maxBody = maxBody;
        final JsonNode http = request.metadata().path("HTTP");
        this.method = http.path("method").asText("GET");
        this.url = http.path("url").path("url").asText("/");
        this.contentType = text(http.path("headers").get("content-type"));
        this.authorization = text(http.path("headers").get("authorization"));
        if (request.source() instanceof RequestEnd end) {
            end.onRequestEnd(this::run);
        }
    }

    private static @Nullable String text(@Nullable JsonNode n) {
        return n == null || !n.isTextual() ? null : n.asText();
    }

    @Override
    protected void bound() {
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
            answer(RestService.errorResponse(413, "body: larger than " + maxBody + " bytes", Map.of()));
            return;
        }
        final byte[] b = io.netty.buffer.ByteBufUtil.getBytes(msg);
        msg.release();
        body.write(b, 0, b.length);
    }

    private void run() {
        if (started || closed || answered()) {
            return;
        }
        started = true;
        final RestRequest req = new RestRequest(method, url, contentType, authorization, body.toByteArray(),
                request.sessionName());
        service.handle(req).whenComplete((r, e) -> eventLoop().execute(() -> answer(r != null ? r
                : RestService.errorResponse(500, "internal error: " + e, Map.of()))));
    }
}
