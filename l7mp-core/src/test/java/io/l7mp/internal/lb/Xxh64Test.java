package io.l7mp.internal.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class Xxh64Test {

    /** Reference values from xxhsum -H1 (xxHash 0.8.1), seed 0. */
    @Test
    void matchesReferenceImplementation() {
        assertThat(Xxh64.hash("", 0)).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(Xxh64.hash("a", 0)).isEqualTo(0xD24EC4F1A98C6E5BL);
        assertThat(Xxh64.hash("abc", 0)).isEqualTo(0x44BC2CF5AD770999L);
        assertThat(Xxh64.hash("abcdefg", 0)).isEqualTo(0x1860940E2902822DL);
        assertThat(Xxh64.hash("10.0.0.1", 0)).isEqualTo(0xED16CB68C786E3D7L);
        assertThat(Xxh64.hash("0123456789abcdef0123456789abcdef", 0)).isEqualTo(0x642A94958E71E6C5L);
        assertThat(Xxh64.hash("The quick brown fox jumps over the lazy dog", 0)).isEqualTo(0x0B242D361FDA71BCL);
        assertThat(Xxh64.hash("hello world, this is a longer input string!!", 0)).isEqualTo(0x5EC2351D8E09AEA1L);
        assertThat(Xxh64.hash("héllo wörld ✓ 日本", 0)).isEqualTo(0x1D89D2CEC973D0D6L);
    }

    @Test
    void stringAndBytePathsAgreeForEveryLength() {
        final StringBuilder text = new StringBuilder();
        for (int len = 0; len < 100; len++) {
            final String s = text.toString();
            final byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            assertThat(Xxh64.hash(s, 0)).as("length %d", len).isEqualTo(Xxh64.hash(bytes, 0));
            assertThat(Xxh64.hash(s, 42)).as("length %d", len).isEqualTo(Xxh64.hash(bytes, 42));
            text.append((char) ('!' + len % 90));
        }
    }

    @Test
    void seedsGiveDistinctStreams() {
        final Set<Long> seen = new HashSet<>();
        for (int seed = 0; seed < 1000; seed++) {
            seen.add(Xxh64.hash("192.168.1.1:8080", seed));
        }
        assertThat(seen).hasSize(1000);
    }
}
