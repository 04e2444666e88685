package io.l7mp.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RouterTest {
    @Test
    void pathsMatchWithDecodedParameters() {
        final Router.Match m = Router.match("DELETE", "/rulelists/a%20b/rules/r%E2%98%83+1");
        assertThat(m.route().operationId()).isEqualTo("deleteRuleFromRuleList");
        assertThat(m.params()).containsEntry("name", "a b").containsEntry("position", "r\u2603+1");
        assertThat(Router.match("GET", "/listeners/").route().operationId()).isEqualTo("getListeners");
        assertThat(Router.match("GET", "/sessions/HTTP:127.0.0.1:1-127.0.0.1:2-0").params().get("name"))
                .isEqualTo("HTTP:127.0.0.1:1-127.0.0.1:2-0");
    }

    @Test
    void unknownPathsAre404AndOtherMethods405() {
        assertThatThrownBy(() -> Router.match("GET", "/nope")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> Router.match("PUT", "/rules/x")).isInstanceOfSatisfying(ApiException.class,
                e -> {
                    assertThat(e.status()).isEqualTo(405);
                    assertThat(e.headers()).containsEntry("allow", "DELETE, GET");
                });
    }

    @Test
    void badEscapesAre400() {
        for (final String bad : new String[] {"%", "%4", "%zz", "%C3%28"}) {
            assertThatThrownBy(() -> Router.decode(bad)).as(bad).isInstanceOfSatisfying(ApiException.class,
                    e -> assertThat(e.status()).isEqualTo(400));
        }
        assertThat(Router.decode("a%2Fb")).isEqualTo("a/b");
    }
}
