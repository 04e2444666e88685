package io.l7mp.rest;

import static io.l7mp.rest.RestApiTest.assertError;
import static io.l7mp.rest.RestApiTest.assertOk;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.L7mp;
import io.l7mp.transform.TransformProvider;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Session transforms and meta-listeners over the REST API: the same spec records as config and builder. */
class CompositionRestTest {
    private L7mp proxy;
    private Api api;

    @BeforeEach
    void start() throws Exception {
        proxy = RestApi.addTo(L7mp.builder(), "127.0.0.1", 0)
                .protocol(TransformProvider.ofSetup("Tier", (metadata, ctx) -> {
                    metadata.with("labels").put("tier", "gold");
                    return null;
                }))
                .build();
        proxy.start().get(5, SECONDS);
        api = Api.of(proxy);
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    private static byte[] rtp(int pt, long ssrc) {
        return ByteBuffer.allocate(13).put((byte) 0x80).put((byte) pt).putShort((short) 1).putInt(160)
                .putInt((int) ssrc).put((byte) 'x').array();
    }

    @Test
    void aMetaListenerWithANamedParserRoutesOnWhatItFoundThroughARouteWithASessionTransform() throws Exception {
        assertOk(api.postYaml("/api/v1/clusters", "cluster: {name: rtp-parser, spec: {protocol: RTPParser}}"));
        assertOk(api.postYaml("/api/v1/clusters", """
                cluster:
                  name: envelope-echo
                  spec: {protocol: MetaTransform, transforms: [{protocol: JSONEncap}, {protocol: Echo}]}
                """));
        assertOk(api.postYaml("/api/v1/listeners", """
                listener:
                  name: rtp-in
                  spec:
                    protocol: MetaListener
                    listener: {protocol: UDP, address: 127.0.0.1, port: 0}
                    ingress: [rtp-parser]
                  rules:
                    - match: {op: test, path: /RTP/payload_type, value: 111}
                      action: {route: {name: opus, destination: envelope-echo, session: [{spec: {protocol: Tier}}]}}
                """));
        final JsonNode route = api.get("/api/v1/routes/opus").json();
        assertThat(route.get("session").toString()).isEqualTo("[\"opus-session-Cluster-1\"]");
        assertThat(api.get("/api/v1/routes/opus?recursive=true").json().at("/session/0/spec/protocol").asText())
                .isEqualTo("Tier");
        assertThat(api.get("/api/v1/listeners/rtp-in").json().at("/spec/ingress").toString())
                .isEqualTo("[\"rtp-parser\"]");
        try (DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            c.setSoTimeout(5_000);
            final byte[] pkt = rtp(111, 77);
            c.send(new DatagramPacket(pkt, pkt.length, new InetSocketAddress("127.0.0.1",
                    proxy.listener("rtp-in").port())));
            final DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
            c.receive(p);
            final JsonNode env = Api.JSON.readTree(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
            assertThat(env.at("/metadata/RTP/ssrc").asInt()).isEqualTo(77);
            assertThat(env.at("/metadata/labels/tier").asText()).isEqualTo("gold");
        }
        final JsonNode sessions = api.get("/api/v1/sessions").json();
        JsonNode ours = null;
        for (final JsonNode s : sessions) {
            if (s.at("/source/origin").asText().equals("rtp-in")) {
                ours = s;
            }
        }
        assertThat(ours).isNotNull();
        assertThat(ours.at("/metadata/RTP/payload_type").asInt()).isEqualTo(111);
        // The running config, session transforms and the meta-listener included, loads back as it is.
        final JsonNode cfg = api.get("/api/v1/config").json();
        assertThat(cfg.toString()).contains("\"session\":[\"opus-session-Cluster-1\"]");
    }

    @Test
    void compositesAreCheckedElementByElementAndBadSessionTransformsAreRefused() throws Exception {
        // Harmless composites pass; a local-resource protocol inside one is found with its path.
        assertOk(api.postYaml("/api/v1/clusters",
                "cluster: {name: chain, spec: {protocol: MetaTransform, transforms: [{protocol: Echo}]}}"));
        assertError(api.postYaml("/api/v1/clusters",
                "cluster: {name: bad, spec: {protocol: MetaTransform, transforms: [{protocol: TestLocal}]}}"),
                403, "Forbidden", "cluster.spec.transforms[0].protocol: \"TestLocal\" reaches local resources");
        assertError(api.postYaml("/api/v1/listeners", """
                listener:
                  name: l
                  spec: {protocol: MetaListener, listener: {protocol: UDP, port: 0}, egress: [{protocol: TestLocal}]}
                  rules: []
                """), 403, "Forbidden", "listener.spec.egress[0].protocol: \"TestLocal\"");
        assertError(api.postYaml("/api/v1/routes", """
                route: {name: r, destination: chain, session: [{spec: {protocol: TestLocal}}]}
                """), 403, "Forbidden", "route.session[0].spec.protocol: \"TestLocal\"");
        // A cluster that is no session transform.
        final Api.Reply r = api.postYaml("/api/v1/routes", "route: {name: r, destination: chain, session: [chain]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.content()).isEqualTo("route.session[0]: cluster \"chain\" (MetaTransform) is not a session "
                + "transform (expected: a cluster whose protocol rewrites metadata at setup)");
        assertThat(api.get("/api/v1/routes/r").status()).isEqualTo(404);
    }
}
