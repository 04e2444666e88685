package io.l7mp.examples.readme;

import io.l7mp.L7mp;
import io.l7mp.spec.ConfigCodec;
import java.util.concurrent.CountDownLatch;

/**
 * The l7mp README walk-through: a UDP listener on {@code udpPort}, connected to the peer at {@code peerPort} (l7mp's
 * singleton mode, so the session starts at once), routes through a Logger (ingress only: it prints what the peer
 * sends, on stdout) to a WebSocket cluster on {@code wsPort}, retrying the connection 3 times, 2 s apart. A second
 * proxy plays the WebSocket service (in the README, a {@code websocat} server): a WebSocket listener answering with
 * Echo. Usage: {@code Main [udpPort peerPort wsPort]}, default 15000 15001 16000; then
 * {@code socat - udp4:127.0.0.1:15000,sourceport=15001} and type lines.
 */
public final class Main {
    /** The README's proxy, with its field names; %d: UDP port, peer port, WebSocket port. */
    static final String README_CONFIG = """
            listeners:
              - name: udp-listener
                spec: {protocol: UDP, address: 127.0.0.1, port: %d, connect: {address: 127.0.0.1, port: %d}}
                rules:
                  - action:
                      route:
                        destination:
                          name: ws-cluster
                          spec: {protocol: WebSocket, port: %d}
                          endpoints: [{spec: {address: 127.0.0.1}}]
                        ingress:
                          - spec: {protocol: Logger, log_prefix: udp-listener}
                        retry: {retry_on: always, num_retries: 3, timeout: 2000}
            """;

    /** The WebSocket service the README's proxy talks to; %d: its port. */
    static final String WS_SERVICE_CONFIG = """
            clusters:
              - name: echo
                spec: {protocol: Echo}
            listeners:
              - name: ws-service
                spec: {protocol: WebSocket, address: 127.0.0.1, port: %d}
                rules: [{action: {route: {destination: echo}}}]
            """;

    private Main() {
    }

    /** The two proxies of the example; closing closes both. */
    record Example(L7mp readme, L7mp wsService) implements AutoCloseable {
        @Override
        public void close() {
            readme.close();
            wsService.close();
        }
    }

    /** Starts the WebSocket service, then the README's proxy (port 0: any free port). */
    static Example start(int udpPort, int peerPort, int wsPort) {
        final L7mp ws = L7mp.builder()
                .config(ConfigCodec.defaults().readConfig(WS_SERVICE_CONFIG.formatted(wsPort), true)).build();
        ws.start().join();
        try {
            final L7mp readme = L7mp.builder().config(ConfigCodec.defaults().readConfig(
                    README_CONFIG.formatted(udpPort, peerPort, ws.listener("ws-service").port()), true)).build();
            readme.start().join();
            return new Example(readme, ws);
        } catch (final RuntimeException e) {
            ws.close();
            throw e;
        }
    }

    public static void main(String[] args) throws InterruptedException {
        final int udp = args.length > 0 ? Integer.parseInt(args[0]) : 15000;
        final int peer = args.length > 1 ? Integer.parseInt(args[1]) : 15001;
        final int ws = args.length > 2 ? Integer.parseInt(args[2]) : 16000;
        final Example ex = start(udp, peer, ws);
        final CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ex.close();
            stop.countDown();
        }));
        System.err.println("try: socat - udp4:127.0.0.1:" + udp + ",sourceport=" + peer);
        stop.await();
    }
}
