package io.l7mp.examples.servicemesh2;

import io.l7mp.L7mp;
import io.l7mp.spec.ConfigCodec;
import java.util.concurrent.CountDownLatch;

/**
 * Example 2 of the service-mesh API on one machine: three proxies play the gateway, the worker's sidecar and the
 * transcoder (a JSONSocket echo service, as the seed suggests for testing). The gateway connects to user A and user
 * B (UDP singleton listeners, so both streams start with the gateway), labels both {@code /labels/session_id: "1"}
 * and sends them over JSONSocket/UDP to the worker, the label riding in the JSONSocket header. At the worker each
 * stream passes the transcoder (ingress) and reaches the Sync rendezvous on the label, which joins the two streams
 * into one call: what A sends, B receives, and back.
 *
 * <p>Usage: {@code Main [userAPort userBPort]} (default 18001 18002), then run the two users, e.g.
 * {@code socat - udp4:127.0.0.1:8001,bind=127.0.0.1:18001} and {@code socat - udp4:127.0.0.1:8002,bind=127.0.0.1:18002}
 * and type lines in either.
 */
public final class Main {
    /** The transcoder: a JSONSocket echo service; %d: its UDP port (19001). */
    static final String TRANSCODER = """
            clusters:
              - name: echo
                spec: {protocol: Echo}
            listeners:
              - name: transcoder
                spec: {protocol: JSONSocket, transport: {protocol: UDP, address: 127.0.0.1, port: %d}}
                rules: [{action: {route: {destination: echo}}}]
            """;

    /**
     * The worker's sidecar: {@code worker-vsvc}, {@code sync-target}, {@code transcoder-target}; %d: its UDP port
     * (19000), the transcoder's port. The label arrives in the JSONSocket header, so the rendezvous queries it there.
     * The route's timeout bounds how long a stream waits at the rendezvous for its peer.
     */
    static final String WORKER = """
            clusters:
              - name: sync-target
                spec: {protocol: Sync, query: /JSONSocket/labels/session_id}
              - name: transcoder-target
                spec: {protocol: JSONSocket, transport: {protocol: UDP, port: %d}}
                endpoints: [{spec: {address: 127.0.0.1}}]
            listeners:
              - name: worker-vsvc
                spec: {protocol: JSONSocket, transport: {protocol: UDP, address: 127.0.0.1, port: %d}}
                rules:
                  - action:
                      route:
                        destination: sync-target
                        ingress: [transcoder-target]
                        retry: {retry_on: never, num_retries: 0, timeout: 2000}
            """;

    /**
     * The gateway: {@code worker-target}, {@code gateway-route} and one VirtualService per user; %d: the worker's
     * port, user A's gateway port and address port, user B's.
     */
    static final String GATEWAY = """
            clusters:
              - name: worker-target
                spec:
                  protocol: JSONSocket
                  transport: {protocol: UDP, port: %d}
                  header: [{path: {from: /labels, to: /labels}}]
                endpoints: [{spec: {address: 127.0.0.1}}]
                loadbalancer: {policy: ConsistentHash, key: /labels/session_id}
            routes:
              - name: gateway-route
                destination: worker-target
                retry: {retry_on: always, num_retries: 3, timeout: 2000}
            listeners:
              - name: gateway-user-a-vsvc
                spec: {protocol: UDP, address: 127.0.0.1, port: %d, connect: {address: 127.0.0.1, port: %d}}
                rules:
                  - action:
                      rewrite: [{path: /labels/session_id, value: "1"}]
                      route: gateway-route
              - name: gateway-user-b-vsvc
                spec: {protocol: UDP, address: 127.0.0.1, port: %d, connect: {address: 127.0.0.1, port: %d}}
                rules:
                  - action:
                      rewrite: [{path: /labels/session_id, value: "1"}]
                      route: gateway-route
            """;

    private Main() {
    }

    /** The three proxies; closing closes them, gateway first. */
    record Call(L7mp gateway, L7mp worker, L7mp transcoder) implements AutoCloseable {
        @Override
        public void close() {
            gateway.close();
            worker.close();
            transcoder.close();
        }
    }

    private static L7mp run(String yaml) {
        final L7mp p = L7mp.builder().config(ConfigCodec.defaults().readConfig(yaml, true)).build();
        p.start().join();
        return p;
    }

    /**
     * Starts the transcoder, the worker and the gateway, in that order; ports 0: any free port. {@code userA} and
     * {@code userB} are the users' UDP ports on 127.0.0.1.
     */
    static Call start(int gatewayA, int gatewayB, int userA, int userB, int workerPort, int transcoderPort) {
        final L7mp transcoder = run(TRANSCODER.formatted(transcoderPort));
        L7mp worker = null;
        try {
            worker = run(WORKER.formatted(transcoder.listener("transcoder").port(), workerPort));
            final L7mp gateway = run(GATEWAY.formatted(worker.listener("worker-vsvc").port(), gatewayA, userA,
                    gatewayB, userB));
            return new Call(gateway, worker, transcoder);
        } catch (final RuntimeException e) {
            if (worker != null) {
                worker.close();
            }
            transcoder.close();
            throw e;
        }
    }

    public static void main(String[] args) throws InterruptedException {
        final int userA = args.length > 0 ? Integer.parseInt(args[0]) : 18001;
        final int userB = args.length > 1 ? Integer.parseInt(args[1]) : 18002;
        final Call call = start(8001, 8002, userA, userB, 19000, 19001);
        final CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            call.close();
            stop.countDown();
        }));
        System.err.println("user A: socat - udp4:127.0.0.1:8001,bind=127.0.0.1:" + userA);
        System.err.println("user B: socat - udp4:127.0.0.1:8002,bind=127.0.0.1:" + userB);
        stop.await();
    }
}
