package io.l7mp.transform;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: MetaListener}: a listener plus transforms behaving as one listener. Each session the inner
 * {@code listener} accepts goes through the {@code ingress} transforms (what the client sends) and the {@code egress}
 * transforms (what goes back to it); before the rules run, the listener waits for the session's first message to pass
 * the ingress transforms, which may write what they found into the metadata (the RTP parser writes {@code RTP: {ssrc,
 * payload_type, sequence}}), then runs the {@code session} transforms, so a rule can match on both. The seed's
 * "RTP/UDP listener":
 * <pre>{@code
 * {name: rtp-in, spec: {protocol: MetaListener, listener: {protocol: UDP, port: 5004}, ingress: [{protocol: RTPParser}]},
 *  rules: [{match: {op: test, path: /RTP/payload_type, value: 111}, action: {route: opus}}]}
 * }</pre>
 * Elements are inline specs or names of running clusters (reused across listeners), looked up for each session.
 *
 * @param protocol      "MetaListener"
 * @param listener      the inner listener's spec (UDP, TCP, WebSocket, ...): its port, its modes
 * @param session       session transforms run before the rules (clusters whose protocol is a session hook)
 * @param ingress       transforms applied to what the client sends, in order
 * @param egress        transforms applied to what goes back to the client, in order
 * @param waitForData   whether to wait for the first message before routing (default true); false routes at once
 *                      (for protocols whose server speaks first)
 * @param timeoutMillis bound of each setup step: connecting the transforms, waiting for the first message (then the
 *                      session is routed without it), each session transform (default 2000)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record MetaListenerSpec(@JsonProperty("protocol") String protocol,
                               @JsonProperty("listener") ProtocolSpec listener,
                               @JsonProperty("session") List<Ref<ProtocolSpec>> session,
                               @JsonProperty("ingress") List<Ref<ProtocolSpec>> ingress,
                               @JsonProperty("egress") List<Ref<ProtocolSpec>> egress,
                               @JsonProperty("wait_for_data") @Nullable Boolean waitForData,
                               @JsonProperty("timeout") @Nullable Long timeoutMillis) implements ProtocolSpec {
    /** The bound of each setup step when {@code timeout} is absent, as a route's retry timeout. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 2000;

    public MetaListenerSpec {
        if (protocol == null) {
            protocol = "MetaListener";
        }
        if (listener == null) {
            throw new IllegalArgumentException("listener: missing (expected: the spec of the inner listener)");
        }
        session = session == null ? List.of() : List.copyOf(session);
        ingress = ingress == null ? List.of() : List.copyOf(ingress);
        egress = egress == null ? List.of() : List.copyOf(egress);
        if (timeoutMillis != null && timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeout: " + timeoutMillis + " (expected: > 0 milliseconds)");
        }
    }

    /** Returns {@code listener} with these ingress transforms, given inline. */
    public static MetaListenerSpec of(ProtocolSpec listener, ProtocolSpec... ingress) {
        return new MetaListenerSpec("MetaListener", listener, List.of(), MetaTransformSpec.inline(List.of(ingress)),
                List.of(), null, null);
    }

    /** Returns whether sessions wait for their first message before routing. */
    public boolean waitsForData() {
        return waitForData == null || waitForData;
    }

    /** Returns the bound of each setup step. */
    public long timeoutOrDefault() {
        return timeoutMillis == null ? DEFAULT_TIMEOUT_MILLIS : timeoutMillis;
    }

    /** Returns a copy with these session transforms: {@code Ref.to("cluster")} or {@code Ref.inline(spec)}. */
    public MetaListenerSpec withSession(List<Ref<ProtocolSpec>> transforms) {
        return new MetaListenerSpec(protocol, listener, transforms, ingress, egress, waitForData, timeoutMillis);
    }

    /** Returns a copy with these ingress transforms. */
    public MetaListenerSpec withIngress(List<Ref<ProtocolSpec>> transforms) {
        return new MetaListenerSpec(protocol, listener, session, transforms, egress, waitForData, timeoutMillis);
    }

    /** Returns a copy with these egress transforms. */
    public MetaListenerSpec withEgress(List<Ref<ProtocolSpec>> transforms) {
        return new MetaListenerSpec(protocol, listener, session, ingress, transforms, waitForData, timeoutMillis);
    }

    /** Returns a copy that waits, or not, for the first message before routing. */
    public MetaListenerSpec withWaitForData(boolean wait) {
        return new MetaListenerSpec(protocol, listener, session, ingress, egress, wait, timeoutMillis);
    }

    /** Returns a copy with this bound of each setup step. */
    public MetaListenerSpec withTimeout(long millis) {
        return new MetaListenerSpec(protocol, listener, session, ingress, egress, waitForData, millis);
    }
}
