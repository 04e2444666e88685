package io.l7mp.spi;

/** Whether a protocol keeps message boundaries. */
public enum StreamKind {
    /** Each message arrives as it was sent (UDP, WebSocket, JSONSocket, ...). */
    DATAGRAM,
    /** A byte stream: boundaries are not kept (TCP, Unix stream sockets, ...). */
    BYTE
}
