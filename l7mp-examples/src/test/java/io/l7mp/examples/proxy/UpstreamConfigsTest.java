package io.l7mp.examples.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** l7mp's own example configs and the benchmark config load unchanged, in lenient and in strict mode. */
class UpstreamConfigsTest {
    static Stream<Path> configs() throws IOException {
        final List<Path> l;
        try (Stream<Path> s = Files.list(SharedFiles.find("l7mp-configs"))) {
            l = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(l).hasSizeGreaterThanOrEqualTo(9);
        return Stream.concat(l.stream(), Stream.of(SharedFiles.find("bench/configs/l7mp-bench.yaml")));
    }

    @ParameterizedTest
    @MethodSource("configs")
    void loadsUnchanged(Path file) {
        final Config cfg = ConfigCodec.defaults().strict(true).read(file);
        // build() validates everything (protocols, rules, names) and binds nothing.
        try (L7mp proxy = L7mp.builder().config(cfg).build()) {
            assertThat(proxy.config()).isNotNull();
        }
    }
}
