package io.l7mp.internal.protocol.http;

import io.l7mp.internal.protocol.tls.Tls;
import io.l7mp.protocol.HttpSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.StreamKind;
import java.util.Map;

/** {@code HTTP}: a listener emitting one byte-stream session per request (HTTP/1.1 keep-alive, h2c, HTTPS). */
public final class HttpProtocol implements ProtocolProvider {
    @Override
    public String name() {
        return "HTTP";
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return HttpSpec.class;
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.BYTE;
    }

    @Override
    public boolean hasListener() {
        return true;
    }

    @Override
    public Map<String, String> localPaths(ProtocolSpec spec) {
        return Tls.paths(((HttpSpec) spec).tls());
    }

    @Override
    public void validate(ProtocolSpec spec, boolean listener) {
        final HttpSpec s = (HttpSpec) spec;
        if (listener && s.port() == null) {
            throw new IllegalArgumentException("port: missing (expected: 0-65535)");
        }
        Tls.validate(s.tls(), true);
    }

    @Override
    public Listener newListener(ListenerContext ctx) {
        return new HttpListenerImpl(ctx, (HttpSpec) ctx.spec());
    }
}
