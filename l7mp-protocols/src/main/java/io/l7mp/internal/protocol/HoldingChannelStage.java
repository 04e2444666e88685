package io.l7mp.internal.protocol;

import io.l7mp.spi.ChannelStage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ChannelStage} that keeps what arrives before {@link #bind} instead of dropping it. Needed where a handler in
 * front of the stage reads on its own before the session is ready: a TLS handshake whose last record carries data, or
 * WebSocket frames that follow the handshake response in the same read. Auto-read is off from construction, so at
 * most one read batch is kept.
 */
public class HoldingChannelStage extends ChannelStage {
    /** The pipeline name of the holding handler, just before {@link ChannelStage#HANDLER_NAME}. */
    public static final String HOLD_NAME = "l7mp-hold";

    private final Hold hold = new Hold();

    /** Wraps {@code channel}; call on the channel's event loop or before it is registered. */
    public HoldingChannelStage(Channel channel, StreamKind kind) {
        super(channel, kind);
        channel.pipeline().addBefore(HANDLER_NAME, HOLD_NAME, hold);
    }

    @Override
    public void bind(StageHandler h) {
        if (!channel().isActive()) {
            // The peer is gone already: hand over what it sent, then the close.
            hold.drainTo(h);
            super.bind(h);
            return;
        }
        super.bind(h);
        hold.release();
    }

    @Override
    public void close(@Nullable Throwable cause) {
        hold.discard();
        super.close(cause);
    }

    /** Queues inbound events until released; then passes everything through. Confined to the channel's loop. */
    private static final class Hold extends ChannelInboundHandlerAdapter {
        private @Nullable ChannelHandlerContext ctx;
        private @Nullable ArrayDeque<Object> held = new ArrayDeque<>();
        private boolean readComplete;
        private boolean inactive;
        private @Nullable Throwable error;

        @Override
        public void handlerAdded(ChannelHandlerContext c) {
            this.ctx = c;
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext c) {
            discard();
        }

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            final ArrayDeque<Object> q = held;
            if (q == null) {
                c.fireChannelRead(msg);
            } else {
                q.add(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext c) {
            if (held == null) {
                c.fireChannelReadComplete();
            } else {
                readComplete = true;
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext c) {
            if (held == null) {
                c.fireChannelInactive();
            } else {
                inactive = true;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            if (held == null) {
                c.fireExceptionCaught(cause);
            } else if (error == null) {
                error = cause;
            }
        }

        /** Passes what was held on down the pipeline and stops holding. */
        void release() {
            final ArrayDeque<Object> q = held;
            final ChannelHandlerContext c = ctx;
            held = null;
            if (q == null || c == null) {
                return;
            }
            Object m;
            while ((m = q.poll()) != null) {
                c.fireChannelRead(m);
            }
            if (readComplete) {
                c.fireChannelReadComplete();
            }
            if (error != null) {
                c.fireExceptionCaught(error);
            }
            if (inactive) {
                c.fireChannelInactive();
            }
        }

        /** Delivers the held messages straight to a handler (the channel is closed) and stops holding. */
        void drainTo(StageHandler h) {
            final ArrayDeque<Object> q = held;
            held = null;
            if (q == null || q.isEmpty()) {
                return;
            }
            Object m;
            while ((m = q.poll()) != null) {
                if (m instanceof ByteBuf b) {
                    h.onRead(b);
                } else if (m instanceof DatagramPacket p) {
                    h.onRead(p.content());
                } else {
                    ReferenceCountUtil.release(m);
                }
            }
            h.onReadComplete();
        }

        void discard() {
            final ArrayDeque<Object> q = held;
            held = null;
            if (q != null) {
                Object m;
                while ((m = q.poll()) != null) {
                    ReferenceCountUtil.release(m);
                }
            }
        }
    }
}
