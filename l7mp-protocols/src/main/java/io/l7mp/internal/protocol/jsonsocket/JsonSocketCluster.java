package io.l7mp.internal.protocol.jsonsocket;

import static io.l7mp.internal.protocol.jsonsocket.JsonSocketProtocol.MESSAGE_KEY;
import static io.l7mp.internal.protocol.jsonsocket.JsonSocketProtocol.STATUS_KEY;
import static io.l7mp.internal.protocol.jsonsocket.JsonSocketProtocol.VERSION_KEY;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.protocol.JsonSocketSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSONSocket cluster: connects through the transport's cluster, sends the request header built from the session
 * metadata by the spec's {@code header} rules (plus {@code JSONSocketVersion: 1}), and hands the stage over only when
 * a valid 2xx response header arrived within the attempt's timeout. A refused or malformed response fails with 502,
 * no response with 504.
 */
final class JsonSocketCluster implements Cluster {
    private static final Logger logger = LoggerFactory.getLogger(JsonSocketCluster.class);

    private final ClusterContext ctx;
    private final JsonSocketSpec spec;
    private final Cluster transport;

    JsonSocketCluster(ClusterContext ctx, JsonSocketSpec spec, ProtocolProvider provider, ProtocolSpec transportSpec) {
        this.ctx = ctx;
        this.spec = spec;
        this.transport = provider.newCluster(new ClusterContext() {
            @Override
            public String name() {
                return ctx.name();
            }

            @Override
            public ProtocolSpec spec() {
                return transportSpec;
            }

            @Override
            public Transport transport() {
                return ctx.transport();
            }
        });
    }

    @Override
    public Future<Stage> connect(ConnectRequest r) {
        final Promise<Stage> p = r.eventLoop().newPromise();
        final ObjectNode header = header(r.sessionName(), spec, r.metadata());
        final JsonSocketStage[] stage = new JsonSocketStage[1];
        final ScheduledFuture<?> timer = r.eventLoop().schedule(() -> {
            if (p.tryFailure(new SessionError(504, "no JSONSocket response within " + r.timeoutMillis() + " ms"))
                    && stage[0] != null) {
                stage[0].close(null);
            }
        }, r.timeoutMillis(), TimeUnit.MILLISECONDS);
        p.addListener(x -> timer.cancel(false));
        transport.connect(r).addListener(f -> {
            if (!f.isSuccess()) {
                p.tryFailure(f.cause());
                return;
            }
            final Stage inner = (Stage) f.getNow();
            if (p.isDone()) {
                inner.close(null);
                return;
            }
            final JsonSocketStage s = new JsonSocketStage(inner, false, new JsonSocketStage.Handshake() {
                @Override
                public void onHeader(ByteBuf msg) {
                    response(r.sessionName(), p, stage[0], msg);
                }

                @Override
                public void onClosedEarly(@Nullable Throwable cause) {
                    p.tryFailure(new SessionError(502, "transport closed before the JSONSocket response"
                            + (cause == null ? "" : ": " + cause.getMessage()), cause));
                }
            });
            stage[0] = s;
            s.start();
            s.send(JsonSocketProtocol.encode(header));
        });
        return p;
    }

    private static void response(String session, Promise<Stage> p, JsonSocketStage stage, ByteBuf msg) {
        final JsonNode h = JsonSocketProtocol.parse(msg);
        final String problem = check(h);
        if (problem != null) {
            logger.debug("{} JSONSocket handshake failed: {}", session, problem);
            if (p.tryFailure(new SessionError(502, problem))) {
                stage.close(null);
            }
            return;
        }
        stage.headerDone();
        if (!p.trySuccess(stage)) {
            stage.close(null);
        }
    }

    /** Returns what is wrong with a response header, or null when it accepts the stream. */
    static @Nullable String check(@Nullable JsonNode h) {
        if (h == null || !h.isObject()) {
            return "invalid JSONSocket response header (expected: a JSON object)";
        }
        final JsonNode v = h.get(VERSION_KEY);
        if (v == null || !v.isNumber()) {
            return "no numeric JSONSocketVersion in the response header " + h;
        }
        if (v.asDouble() < 0 || v.asDouble() > JsonSocketProtocol.VERSION) {
            return "unsupported JSONSocketVersion " + v + " in the response header";
        }
        final JsonNode st = h.get(STATUS_KEY);
        if (st != null && !st.isNull()) {
            if (!st.isNumber() || st.asDouble() < 200 || st.asDouble() > 299) {
                final JsonNode m = h.get(MESSAGE_KEY);
                return "JSONSocket server refused the stream: " + st + (m == null ? "" : " " + m.asText());
            }
        }
        return null;
    }

    /**
     * Builds the request header from the metadata by the spec's rules, as l7mp does; without a {@code header} field
     * the header is the whole metadata, so that it travels to the next proxy unasked. {@code JSONSocketVersion} is
     * always 1.
     */
    static ObjectNode header(String session, JsonSocketSpec spec, ObjectNode metadata) {
        if (spec.header() == null) {
            return metadata.deepCopy().put(VERSION_KEY, JsonSocketProtocol.VERSION);
        }
        JsonNode h = JsonNodeFactory.instance.objectNode();
        for (final JsonSocketSpec.Header rule : spec.headerOrEmpty()) {
            if (rule.path() != null) {
                final JsonNode v = get(metadata, rule.path().from());
                if (v == null) {
                    logger.debug("{} JSONSocket header: no metadata at {}", session, rule.path().from());
                    continue;
                }
                h = set(h, rule.path().toOrRoot(), v.deepCopy());
            } else if (rule.set() != null) {
                h = set(h, rule.set().key(), rule.set().value().deepCopy());
            }
        }
        if (!(h instanceof ObjectNode o)) {
            logger.debug("{} JSONSocket header rules made a non-object {}; sending only the version", session, h);
            return JsonNodeFactory.instance.objectNode().put(VERSION_KEY, JsonSocketProtocol.VERSION);
        }
        o.put(VERSION_KEY, JsonSocketProtocol.VERSION);
        return o;
    }

    /** Returns the value at an l7mp path ({@code /a/b} or {@code a/b}; {@code /} is the whole metadata), or null. */
    static @Nullable JsonNode get(JsonNode root, String path) {
        JsonNode n = root;
        for (final String seg : path.split("/")) {
            if (seg.isEmpty()) {
                continue;
            }
            n = n.isArray() && seg.chars().allMatch(Character::isDigit) ? n.get(Integer.parseInt(seg)) : n.get(seg);
            if (n == null) {
                return null;
            }
        }
        return n.isMissingNode() || n.isNull() ? null : n;
    }

    /** Sets {@code value} at a path, creating objects on the way; returns the (possibly replaced) root. */
    static JsonNode set(JsonNode root, String path, JsonNode value) {
        final String[] segs = java.util.Arrays.stream(path.split("/")).filter(s -> !s.isEmpty())
                .toArray(String[]::new);
        if (segs.length == 0) {
            return value;
        }
        final ObjectNode top = root instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
        ObjectNode n = top;
        for (int i = 0; i < segs.length - 1; i++) {
            final JsonNode next = n.get(segs[i]);
            n = next instanceof ObjectNode o ? o : n.putObject(segs[i]);
        }
        n.set(segs[segs.length - 1], value);
        return top;
    }

    @Override
    public void close() {
        transport.close();
    }
}
