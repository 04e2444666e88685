package io.l7mp.internal.rules;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FormatsTest {

    @ParameterizedTest
    @ValueSource(strings = {"2010-10-10", "0000-01-01", "2024-02-29", "2000-02-29", "1999-12-31", "2023-04-30"})
    void validDates(final String s) {
        assertThat(Formats.isDate(s)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "2010-10-1", "2010-1-10", "10-10-2010", "2010/10/10", "2010-13-01", "2010-00-10",
        "2010-10-00", "2010-10-32", "2023-02-29", "1900-02-29", "2023-04-31", "2010-10-10T10:10:10Z",
        "２０１０-10-10", "2010-10-1a", " 2010-10-10"})
    void invalidDates(final String s) {
        assertThat(Formats.isDate(s)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10:10:10Z", "10:10:10+05:30", "10:10:10-00:00", "23:59:60Z", "00:00:00.1Z",
        "10:10:10.123456789z", "10:10:10", "10:10:10.5"})
    void validTimes(final String s) {
        assertThat(Formats.isTime(s)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "24:00:00Z", "10:60:00Z", "10:10:61Z", "10:10Z", "10:10:10.Z", "10:10:10+5:30",
        "10:10:10+05:60", "10:10:10+24:00", "10:10:10 Z", "10:10:10+0530", "2010-10-10T10:10:10Z", "1:10:10Z",
        "10:10:10ZZ"})
    void invalidTimes(final String s) {
        assertThat(Formats.isTime(s)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2010-10-10T10:10:10Z", "2010-10-10T10:10:10+05:30", "2010-10-10t10:10:10z",
        "1985-04-12T23:20:50.52Z", "1990-12-31T15:59:60-08:00", "2024-02-29T00:00:00.000000+00:00"})
    void validDateTimes(final String s) {
        assertThat(Formats.isDateTime(s)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "2010-10-10", "2010-10-10T10:10:10", "2010-10-10 10:10:10Z", "2010-10-10T25:10:10Z",
        "2010-02-30T10:10:10Z", "2010-10-10T10:10:10+05", "2010-10-10T10:10Z", "2010-10-10T10:10:10Zjunk"})
    void invalidDateTimes(final String s) {
        assertThat(Formats.isDateTime(s)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"en", "en-US", "EN-us", "de-CH-1901", "zh-Hant-TW", "zh-yue-HK", "es-419", "sl-rozaj-biske",
        "sr-Latn-RS", "en-a-bbb-x-a-ccc", "x-whatever", "qaa-Qaaa-QM-x-southern", "i-klingon", "en-GB-oed",
        "zh-min-nan", "art-lojban", "abcdefgh", "hy-Latn-IT-arevela", "de-DE-u-co-phonebk", "ar-afb-aao-abh"})
    void validLanguageTags(final String s) {
        assertThat(Formats.isLanguageTag(s)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "e", "en-", "-en", "en--US", "abcdefghi", "en-US-", "en_US", "1en", "en-a", "en-a-x-b",
        "x", "x-", "en-x", "en-abc-def-ghi-jkl", "abcd-abc", "en-US-Latn", "en-12", "en-a-b-c", "i-foo", "de-ÄÖ",
        "en-Latn-Latn", "en-US-CA", "en-x-abcdefghi"})
    void invalidLanguageTags(final String s) {
        assertThat(Formats.isLanguageTag(s)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "en", "en-US", "de-*-DE", "CH-*", "CH-de", "zh-Hant-CN", "en-1901", "x-foo", "*-CH"})
    void validLanguageRanges(final String s) {
        assertThat(Formats.isLanguageRange(s)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-", "en-", "en--US", "1en", "abcdefghi", "en-abcdefghi", "en_US", "**", "en-*a",
        "en US"})
    void invalidLanguageRanges(final String s) {
        assertThat(Formats.isLanguageRange(s)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://github.com/MalcolmDwyer/json-predicate#test", "http://example.com",
        "http://user:pw@example.com:8080/a/b?c=d&e=f#g", "urn:isbn:0451450523", "mailto:john@example.com",
        "file:///etc/hosts", "http://[::1]:8080/", "http://[2001:db8::7]/c=GB?objectClass?one",
        "http://[v7.fe80::a+en1]/", "http://例え.テスト/パス?クエリ#断片", "ldap://[2001:db8::7]/c=GB",
        "tel:+1-816-555-1212", "http://a/%7Euser", "x:", "h://a?q=\uE000", "http://127.0.0.1:/"})
    void validAbsoluteIris(final String s) {
        assertThat(Formats.isAbsoluteIri(s)).isTrue();
        assertThat(Formats.isIriReference(s)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/admin/x", "../a/b", "a/b:c", "?q=1", "#frag", "//example.com/path", "./a:b",
        "%41bc", "."})
    void validRelativeReferences(final String s) {
        assertThat(Formats.isIriReference(s)).isTrue();
        assertThat(Formats.isAbsoluteIri(s)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://exa mple.com", "http://example.com/<x>", "a:b c", "http://example.com/%zz",
        "http://example.com/%4", "a\"b", "1http://x", "ht~tp://x", "http://[::1/", "http://[zz::1]/",
        "http://ex[ample.com/", "http://example.com:80a/", "http://a#b#c", "http://a/\u0001", "a:b`",
        "http://a/{x}", "http://a/\\", "http://a/\uFFFE", "http://a/\uE000", "http://[::1]x/", "http://[]/",
        "a:b#c\uE000"})
    void invalidIris(final String s) {
        assertThat(Formats.isIriReference(s)).isFalse();
        assertThat(Formats.isAbsoluteIri(s)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a:b", "1a:b"})
    void colonInTheFirstSegmentNeedsAValidScheme(final String s) {
        assertThat(Formats.isIriReference(s)).isEqualTo(s.equals("a:b"));
    }
}
