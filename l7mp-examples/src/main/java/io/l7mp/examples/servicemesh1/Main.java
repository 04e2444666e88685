package io.l7mp.examples.servicemesh1;

import io.l7mp.L7mp;
import io.l7mp.spec.ConfigCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Example 1 of the service-mesh API on one machine. The gateway accepts UDP on {@code gatewayPort} only from
 * 127.0.0.1, source ports 9000-9099 (the seed's 10.0.0.1 becomes loopback), and routes each stream through the
 * transcoder (ingress) to the worker; the worker's answers come back directly. The transcoder is reached over
 * WebSocket on {@code transcoderPort}; its sidecar converts to the Unix socket of the transcoder process. Usage:
 * {@code Main [gatewayPort transcoderPort workerPort]}, default 9001 8888 9999; then
 * {@code echo hello | socat - udp4:127.0.0.1:9001,sourceport=9005} prints {@code worker got HELLO}.
 */
public final class Main {
    /** The transcoder's sidecar: the VirtualService {@code transcoder-vsvc}; %d: WebSocket port, %s: socket path. */
    static final String TRANSCODER_SIDECAR = """
            listeners:
              - name: transcoder-vsvc
                spec: {protocol: WebSocket, address: 127.0.0.1, port: %d}
                rules:
                  - action:
                      route:
                        destination:
                          spec: {protocol: UnixDomainSocket}
                          endpoints: [{spec: {address: "%s"}}]
            """;

    /** The gateway: {@code gateway-vsvc} and the Targets the operator would generate; %d: ports. */
    static final String GATEWAY = """
            clusters:
              - name: transcoder-vsvc
                spec: {protocol: WebSocket, port: %d}
                endpoints: [{spec: {address: 127.0.0.1}}]
              - name: worker-svc
                spec: {protocol: UDP, port: %d}
                endpoints: [{spec: {address: 127.0.0.1}}]
            listeners:
              - name: gateway-vsvc
                spec: {protocol: UDP, address: 127.0.0.1, port: %d}
                rules:
                  - match:
                      op: and
                      apply:
                        - {op: test, path: /IP/src_addr, value: 127.0.0.1}
                        - {op: more, path: /UDP/src_port, value: 8999}
                        - {op: less, path: /UDP/src_port, value: 9100}
                    action:
                      route:
                        destination: worker-svc
                        ingress: [transcoder-vsvc]
            """;

    private Main() {
    }

    /** Everything the example runs; closing stops it all. */
    record Mesh(L7mp gateway, L7mp transcoderSidecar, Services.Transcoder transcoder, Services.Worker worker)
            implements AutoCloseable {
        @Override
        public void close() throws IOException {
            gateway.close();
            transcoderSidecar.close();
            transcoder.close();
            worker.close();
        }
    }

    /** Starts the services, then the sidecar, then the gateway; port 0: any free port. */
    static Mesh start(int gatewayPort, int transcoderPort, int workerPort, Path socket) throws IOException {
        final Services.Worker worker = new Services.Worker(workerPort);
        final Services.Transcoder transcoder = new Services.Transcoder(socket);
        final L7mp sidecar = L7mp.builder().config(ConfigCodec.defaults().readConfig(
                TRANSCODER_SIDECAR.formatted(transcoderPort, socket), true)).build();
        sidecar.start().join();
        final L7mp gateway = L7mp.builder().config(ConfigCodec.defaults().readConfig(GATEWAY.formatted(
                sidecar.listener("transcoder-vsvc").port(), worker.port(), gatewayPort), true)).build();
        gateway.start().join();
        return new Mesh(gateway, sidecar, transcoder, worker);
    }

    public static void main(String[] args) throws Exception {
        final int gw = args.length > 0 ? Integer.parseInt(args[0]) : 9001;
        final int tc = args.length > 1 ? Integer.parseInt(args[1]) : 8888;
        final int wk = args.length > 2 ? Integer.parseInt(args[2]) : 9999;
        final Path socket = Files.createTempDirectory("l7mp-mesh1").resolve("uds-echo.sock");
        final Mesh mesh = start(gw, tc, wk, socket);
        final CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                mesh.close();
            } catch (final IOException e) {
                // exiting anyway
            }
            stop.countDown();
        }));
        System.err.println("try: echo hello | socat - udp4:127.0.0.1:" + gw + ",sourceport=9005");
        stop.await();
    }
}
