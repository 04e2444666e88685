package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * The {@code tls} block of a stream listener or cluster (TCP, WebSocket, ...): PEM files and whether to verify the peer.
 *
 * <p>A listener needs {@code cert} and {@code key}; with {@code verify: true} it requires a client certificate signed
 * by {@code ca}. A cluster may present {@code cert} and {@code key} as its client certificate; it verifies the server
 * (chain and host name) against {@code ca}, or against the JDK's trust store when {@code ca} is absent, unless
 * {@code verify: false}. Keys are unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}).
 *
 * @param cert   path of the PEM certificate chain, leaf first
 * @param key    path of the PEM private key of {@code cert}
 * @param ca     path of the PEM certificates trusted to sign the peer's certificate
 * @param verify listener: require and verify client certificates (default false); cluster: verify the server
 *               (default true)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TlsSpec(@JsonProperty("cert") @Nullable String cert,
                      @JsonProperty("key") @Nullable String key,
                      @JsonProperty("ca") @Nullable String ca,
                      @JsonProperty("verify") @Nullable Boolean verify) {
    public TlsSpec {
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException(cert == null ? "cert: missing (expected: a PEM file path with key)"
                    : "key: missing (expected: a PEM file path with cert)");
        }
        blank("cert", cert);
        blank("key", key);
        blank("ca", ca);
    }

    /** Returns a listener-side spec: this certificate and key, client certificates not asked for. */
    public static TlsSpec server(String cert, String key) {
        return new TlsSpec(cert, key, null, null);
    }

    /** Returns a cluster-side spec that verifies the server against this CA file (null: the JDK's trust store). */
    public static TlsSpec client(@Nullable String ca) {
        return new TlsSpec(null, null, ca, null);
    }

    /** Returns a copy trusting this CA file. */
    public TlsSpec withCa(@Nullable String file) {
        return new TlsSpec(cert, key, file, verify);
    }

    /** Returns a copy with this certificate and key (a cluster's client certificate). */
    public TlsSpec withCert(String certFile, String keyFile) {
        return new TlsSpec(certFile, keyFile, ca, verify);
    }

    /** Returns a copy with peer verification on or off. */
    public TlsSpec withVerify(boolean v) {
        return new TlsSpec(cert, key, ca, v);
    }

    /** Returns whether the peer is verified: {@code verify}, else false for a listener and true for a cluster. */
    public boolean verifies(boolean listener) {
        return verify != null ? verify : !listener;
    }

    private static void blank(String field, @Nullable String v) {
        if (v != null && v.isBlank()) {
            throw new IllegalArgumentException(field + ": \"\" (expected: a PEM file path)");
        }
    }
}
