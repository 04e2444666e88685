package io.l7mp.rest;

import static java.util.concurrent.TimeUnit.SECONDS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.l7mp.L7mp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** A client of a proxy's REST API over real HTTP on loopback (the JDK's HttpClient). */
final class Api {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String YAML = "text/x-yaml";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient client;
    private final String base;
    private @Nullable String token;

    Api(int port) {
        this(port, HttpClient.Version.HTTP_1_1);
    }

    Api(int port, HttpClient.Version version) {
        this.client = HttpClient.newBuilder().version(version).connectTimeout(TIMEOUT).build();
        this.base = "http://127.0.0.1:" + port;
    }

    /** A client of {@code https://localhost:<port>} trusting what {@code ssl} trusts. */
    Api(int port, HttpClient.Version version, javax.net.ssl.SSLContext ssl) {
        this.client = HttpClient.newBuilder().version(version).sslContext(ssl).connectTimeout(TIMEOUT).build();
        this.base = "https://localhost:" + port;
    }

    /** Returns a client of the proxy's controller listener. */
    static Api of(L7mp proxy) {
        return new Api(proxy.listener(RestApi.CONTROLLER_LISTENER).port());
    }

    Api token(@Nullable String t) {
        this.token = t;
        return this;
    }

    /**
     * A response.
     *
     * @param status  the status code
     * @param body    the body text
     * @param headers the headers
     */
    record Reply(int status, String body, HttpHeaders headers) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (final Exception e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /** Returns the {@code content} of an error body. */
        String content() {
            return json().path("content").asText();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    Reply get(String path) {
        return send("GET", path, null, null);
    }

    Reply delete(String path) {
        return send("DELETE", path, null, null);
    }

    Reply post(String path, String json) {
        return send("POST", path, "application/json", json);
    }

    Reply postYaml(String path, String yaml) {
        return send("POST", path, YAML, yaml);
    }

    Reply send(String method, String path, @Nullable String contentType, @Nullable String body) {
        return sendBytes(method, path, contentType, body == null ? null
                : body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Reply sendBytes(String method, String path, @Nullable String contentType, byte @Nullable [] body) {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            final HttpResponse<String> r = client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
                    .get(10, SECONDS);
            return new Reply(r.statusCode(), r.body(), r.headers());
        } catch (final Exception e) {
            throw new AssertionError(method + " " + path + " failed", e);
        }
    }
}
