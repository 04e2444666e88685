package io.l7mp.examples.customtransform;

import io.l7mp.L7mp;
import io.l7mp.spec.ConfigCodec;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a proxy whose UDP listener sends every datagram through the {@link PayloadRewriter} plug-in to an Echo
 * cluster: {@code echo "my cat" | socat - udp:127.0.0.1:5000} answers {@code my dog}. Usage: {@code Main [port]}.
 */
public final class Main {
    /** The config: the plug-in is named like any built-in protocol. */
    static final String CONFIG = """
            clusters:
              - name: echo
                spec: {protocol: Echo}
              - name: rewriter
                spec: {protocol: PayloadRewriter, from: cat, to: dog}
            listeners:
              - name: udp-in
                spec: {protocol: UDP, address: 127.0.0.1, port: %d}
                rules:
                  - action:
                      route:
                        destination: echo
                        ingress: [rewriter]
            """;

    private Main() {
    }

    /** Starts the proxy on {@code port} (0: any free port); the caller closes it. */
    static L7mp start(int port) {
        final L7mp proxy = L7mp.builder().config(ConfigCodec.defaults().readConfig(CONFIG.formatted(port), true))
                .build();
        proxy.start().join();
        return proxy;
    }

    public static void main(String[] args) throws InterruptedException {
        final int port = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        final L7mp proxy = start(port);
        final CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            stop.countDown();
        }));
        System.out.println("UDP " + proxy.listener("udp-in").port() + ": try  echo 'my cat' | socat - udp:127.0.0.1:"
                + proxy.listener("udp-in").port());
        stop.await();
    }
}
