package io.l7mp.spi;

import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/** The protocol side of a listener: binds and emits sessions through its {@link ListenerContext}. */
public interface Listener {
    /** Binds and starts accepting. The future fails with the reason when it cannot bind. */
    CompletableFuture<Void> start();

    /** Returns the bound address once started (useful with port 0), or null when there is none. */
    @Nullable SocketAddress localAddress();

    /** Stops accepting. Sessions already emitted live on; the engine ends them when asked to. */
    CompletableFuture<Void> close();
}
