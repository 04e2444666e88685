package io.l7mp.rest;

import static java.util.Objects.requireNonNull;

import io.l7mp.L7mpBuilder;
import io.l7mp.protocol.HttpSpec;
import io.l7mp.spec.ListenerSpec;
import io.l7mp.spec.ProtocolSpec;

/**
 * Adds l7mp's REST API and its Prometheus endpoint to a proxy, wired exactly as l7mp's {@code l7mp-minimal.yaml}
 * and {@code l7mp-prometheus.yaml} do: an HTTP listener whose one rule routes to an {@code L7mpController} (or
 * {@code Prometheus}) cluster defined inline.
 *
 * <pre>{@code
 * L7mp proxy = RestApi.addTo(L7mp.builder(), "127.0.0.1", 1234)
 *         .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
 *         .build();
 * }</pre>
 *
 * <p>The API answers anyone who can reach the address: bind it to loopback, or set {@code admin.api_token}. Objects
 * whose protocol reaches local resources (Stdio, processes, files) are refused over the API unless
 * {@code admin.allow_local} is true.
 */
public final class RestApi {
    /** The listener {@link #addTo} adds, named as in l7mp-minimal.yaml. */
    public static final String CONTROLLER_LISTENER = "controller-listener";
    /** The controller cluster {@link #addTo} defines inline, named as in l7mp-minimal.yaml. */
    public static final String CONTROLLER_CLUSTER = "l7mp-controller";
    /** The listener {@link #addPrometheusTo} adds. */
    public static final String PROMETHEUS_LISTENER = "prometheus-listener";
    /** The Prometheus cluster {@link #addPrometheusTo} defines inline. */
    public static final String PROMETHEUS_CLUSTER = "prometheus-cluster";
    /** The URL path prefix the Prometheus listener routes ({@code /metrics}). */
    public static final String METRICS_PATH = "/metrics";

    private RestApi() {
    }

    /** Adds the REST API on {@code address:port} (port 0: the OS picks; see {@code proxy.listener(name).port()}). */
    public static L7mpBuilder addTo(L7mpBuilder builder, String address, int port) {
        return requireNonNull(builder, "builder").listener(controllerListener(CONTROLLER_LISTENER, address, port));
    }

    /**
     * Adds the REST API on an HTTP listener with this spec, e.g. HTTPS:
     * {@code HttpSpec.bind("127.0.0.1", 1234).withTls(TlsSpec.server(cert, key))}.
     */
    public static L7mpBuilder addTo(L7mpBuilder builder, HttpSpec spec) {
        return requireNonNull(builder, "builder").listener(controllerListener(CONTROLLER_LISTENER, spec));
    }

    /** Adds the Prometheus endpoint ({@code GET /metrics}) on {@code address:port}. */
    public static L7mpBuilder addPrometheusTo(L7mpBuilder builder, String address, int port) {
        return requireNonNull(builder, "builder").listener(prometheusListener(PROMETHEUS_LISTENER, address, port));
    }

    /**
     * Returns an HTTP listener on {@code address:port} routing every request to an inline {@code L7mpController}
     * cluster named {@link #CONTROLLER_CLUSTER}; also for {@code proxy.addListener} at run time.
     */
    public static ListenerSpec controllerListener(String name, String address, int port) {
        return controllerListener(name, HttpSpec.bind(requireNonNull(address, "address"), port));
    }

    /** Returns an HTTP listener with this spec (HTTPS with a {@code tls} block) routing to the controller. */
    public static ListenerSpec controllerListener(String name, HttpSpec spec) {
        return ListenerSpec.builder(name).spec(requireNonNull(spec, "spec"))
                .rule(r -> r.route(rt -> rt.destination(c -> c.name(CONTROLLER_CLUSTER)
                        .spec(L7mpControllerSpec.of()))))
                .build();
    }

    /**
     * Returns an HTTP listener on {@code address:port} routing requests under {@link #METRICS_PATH} to an inline
     * {@code Prometheus} cluster named {@link #PROMETHEUS_CLUSTER}; other paths get 404.
     */
    public static ListenerSpec prometheusListener(String name, String address, int port) {
        return ListenerSpec.builder(name).spec(HttpSpec.bind(requireNonNull(address, "address"), port))
                .rule(r -> r.match("{\"op\":\"starts\",\"path\":\"/HTTP/url/path\",\"value\":\"" + METRICS_PATH
                                + "\"}")
                        .route(rt -> rt.destination(c -> c.name(PROMETHEUS_CLUSTER)
                                .spec(ProtocolSpec.of("Prometheus")))))
                .build();
    }
}
