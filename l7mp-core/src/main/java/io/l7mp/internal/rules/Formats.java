package io.l7mp.internal.rules;

/**
 * Allocation-free, hand-written syntax checks for the string formats of the {@code type} op: RFC 3339 dates and
 * times, RFC 5646 language tags, RFC 4647 language ranges and RFC 3987 IRIs. Well-formedness only: registries
 * (language subtags, URI schemes) are not consulted.
 */
final class Formats {

    // RFC 5646 section 2.1 "grandfathered" tags that the langtag production does not cover.
    private static final String[] IRREGULAR_TAGS = {
        "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo",
        "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE",
    };

    private static final int LANG_LANGUAGE = 0;
    private static final int LANG_EXTLANG = 1;
    private static final int LANG_SCRIPT = 2;
    private static final int LANG_REGION = 3;
    private static final int LANG_VARIANT = 4;
    private static final int LANG_EXTENSION = 5;
    private static final int LANG_PRIVATE = 6;

    private static final int IRI_PATH = 0;
    private static final int IRI_QUERY = 1;
    private static final int IRI_FRAGMENT = 2;
    private static final int IRI_USERINFO = 3;
    private static final int IRI_HOST = 4;

    private Formats() {
    }

    /** RFC 3339 full-date, e.g. 2010-10-10, with month and day-of-month (including leap years) range checks. */
    static boolean isDate(final String s) {
        return s.length() == 10 && fullDateAt(s, 0);
    }

    /** RFC 3339 partial-time with an optional time-offset, i.e. "full-time" or just "partial-time". */
    static boolean isTime(final String s) {
        final int end = partialTimeEnd(s, 0);
        return end == s.length() || (end > 0 && offsetEnd(s, end) == s.length());
    }

    /** RFC 3339 date-time: full-date "T" full-time, the offset is mandatory; 't' and 'z' are accepted too. */
    static boolean isDateTime(final String s) {
        if (s.length() < 20 || !fullDateAt(s, 0)) {
            return false;
        }
        final char t = s.charAt(10);
        if (t != 'T' && t != 't') {
            return false;
        }
        final int end = partialTimeEnd(s, 11);
        return end > 0 && offsetEnd(s, end) == s.length();
    }

    /** RFC 5646 Language-Tag: langtag, privateuse or an irregular grandfathered tag; case-insensitive. */
    static boolean isLanguageTag(final String s) {
        for (final String tag : IRREGULAR_TAGS) {
            if (tag.equalsIgnoreCase(s)) {
                return true;
            }
        }
        final int length = s.length();
        int stage = LANG_LANGUAGE;
        boolean shortLanguage = false;
        int extlangs = 0;
        int subtagsAfterSingleton = 0;
        int start = 0;
        while (true) {
            int end = s.indexOf('-', start);
            if (end < 0) {
                end = length;
            }
            final int len = end - start;
            if (len == 0 || len > 8 || !allAlnum(s, start, end)) {
                return false;
            }
            final boolean alpha = allAlpha(s, start, end);
            final boolean digitFirst = isDigit(s.charAt(start));
            if (start == 0) {
                if (len == 1) {
                    if (!isX(s.charAt(0))) {
                        return false;
                    }
                    stage = LANG_PRIVATE;
                } else if (!alpha) {
                    return false;
                }
                shortLanguage = len <= 3;
            } else if (stage == LANG_PRIVATE) {
                subtagsAfterSingleton++;
            } else if (len == 1) {
                if (stage == LANG_EXTENSION && subtagsAfterSingleton == 0) {
                    return false;
                }
                stage = isX(s.charAt(start)) ? LANG_PRIVATE : LANG_EXTENSION;
                subtagsAfterSingleton = 0;
            } else if (stage == LANG_EXTENSION) {
                subtagsAfterSingleton++;
            } else if (len == 3 && alpha && shortLanguage && stage <= LANG_EXTLANG && extlangs < 3) {
                stage = LANG_EXTLANG;
                extlangs++;
            } else if (len == 4 && alpha && stage <= LANG_EXTLANG) {
                stage = LANG_SCRIPT;
            } else if (stage <= LANG_SCRIPT && ((len == 2 && alpha) || (len == 3 && allDigit(s, start, end)))) {
                stage = LANG_REGION;
            } else if (stage <= LANG_VARIANT && (len >= 5 || (len == 4 && digitFirst))) {
                stage = LANG_VARIANT;
            } else {
                return false;
            }
            if (end == length) {
                break;
            }
            start = end + 1;
        }
        return (stage != LANG_EXTENSION && stage != LANG_PRIVATE) || subtagsAfterSingleton > 0;
    }

    /** RFC 4647 extended-language-range (a superset of the basic one): "*", "de-*-DE", "en-US", "CH-*". */
    static boolean isLanguageRange(final String s) {
        final int length = s.length();
        int start = 0;
        while (true) {
            int end = s.indexOf('-', start);
            if (end < 0) {
                end = length;
            }
            final int len = end - start;
            final boolean wildcard = len == 1 && s.charAt(start) == '*';
            final boolean ok = start == 0 ? allAlpha(s, start, end) : allAlnum(s, start, end);
            if (len == 0 || len > 8 || !(wildcard || ok)) {
                return false;
            }
            if (end == length) {
                return true;
            }
            start = end + 1;
        }
    }

    /** RFC 3987 IRI-reference: an absolute IRI or a relative reference (which may be empty). */
    static boolean isIriReference(final String s) {
        return isIri(s, false);
    }

    /** RFC 3987 IRI: requires a scheme; a fragment is allowed (the draft maps absolute-iri to the IRI production). */
    static boolean isAbsoluteIri(final String s) {
        return isIri(s, true);
    }

    private static boolean isIri(final String s, final boolean requireScheme) {
        final int length = s.length();
        final int hash = s.indexOf('#');
        final int fragmentStart = hash < 0 ? length : hash;
        final int question = s.indexOf('?');
        final int queryStart = question < 0 || question > fragmentStart ? fragmentStart : question;
        final int schemeEnd = schemeEnd(s, queryStart);
        int pos;
        if (schemeEnd >= 0) {
            pos = schemeEnd + 1;
        } else {
            if (requireScheme) {
                return false;
            }
            // irelative-ref: a colon in the first segment would make it look like a scheme.
            for (int i = 0; i < queryStart && s.charAt(i) != '/'; i++) {
                if (s.charAt(i) == ':') {
                    return false;
                }
            }
            pos = 0;
        }
        if (queryStart - pos >= 2 && s.charAt(pos) == '/' && s.charAt(pos + 1) == '/') {
            final int authorityStart = pos + 2;
            int authorityEnd = s.indexOf('/', authorityStart);
            if (authorityEnd < 0 || authorityEnd > queryStart) {
                authorityEnd = queryStart;
            }
            if (!isAuthority(s, authorityStart, authorityEnd)) {
                return false;
            }
            pos = authorityEnd;
        }
        if (!allowed(s, pos, queryStart, IRI_PATH)) {
            return false;
        }
        if (queryStart < fragmentStart && !allowed(s, queryStart + 1, fragmentStart, IRI_QUERY)) {
            return false;
        }
        return fragmentStart == length || allowed(s, fragmentStart + 1, length, IRI_FRAGMENT);
    }

    /** Index of the ':' ending a valid scheme (ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")), or -1. */
    private static int schemeEnd(final String s, final int limit) {
        if (limit == 0 || !isAlpha(s.charAt(0))) {
            return -1;
        }
        for (int i = 1; i < limit; i++) {
            final char c = s.charAt(i);
            if (c == ':') {
                return i;
            }
            if (!isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.') {
                return -1;
            }
        }
        return -1;
    }

    private static boolean isAuthority(final String s, final int start, final int end) {
        final int at = s.lastIndexOf('@', end - 1);
        int hostStart = start;
        if (at >= start) {
            if (!allowed(s, start, at, IRI_USERINFO)) {
                return false;
            }
            hostStart = at + 1;
        }
        final int hostEnd;
        if (hostStart < end && s.charAt(hostStart) == '[') {
            final int close = s.indexOf(']', hostStart);
            if (close < 0 || close >= end || !isIpLiteral(s, hostStart + 1, close)) {
                return false;
            }
            hostEnd = close + 1;
            if (hostEnd < end && s.charAt(hostEnd) != ':') {
                return false;
            }
        } else {
            final int colon = s.lastIndexOf(':', end - 1);
            hostEnd = colon >= hostStart ? colon : end;
            if (!allowed(s, hostStart, hostEnd, IRI_HOST)) {
                return false;
            }
        }
        return hostEnd >= end || allDigit(s, hostEnd + 1, end);
    }

    /** Loose IP-literal check: IPv6 (hex, ':' and '.' for an embedded IPv4) or IPvFuture ("v" HEX "." ...). */
    private static boolean isIpLiteral(final String s, final int start, final int end) {
        if (start >= end) {
            return false;
        }
        final char first = s.charAt(start);
        if (first == 'v' || first == 'V') {
            final int dot = s.indexOf('.', start);
            if (dot < start + 2 || dot >= end - 1 || !allHex(s, start + 1, dot)) {
                return false;
            }
            for (int i = dot + 1; i < end; i++) {
                final char c = s.charAt(i);
                if (!isUnreserved(c) && !isSubDelim(c) && c != ':') {
                    return false;
                }
            }
            return true;
        }
        boolean colon = false;
        for (int i = start; i < end; i++) {
            final char c = s.charAt(i);
            colon |= c == ':';
            if (!isHex(c) && c != ':' && c != '.') {
                return false;
            }
        }
        return colon;
    }

    private static boolean allowed(final String s, final int start, final int end, final int part) {
        int i = start;
        while (i < end) {
            final int cp = s.codePointAt(i);
            if (cp == '%') {
                if (i + 2 >= end || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
                    return false;
                }
                i += 3;
                continue;
            }
            if (!allowedCodePoint(cp, part)) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }

    private static boolean allowedCodePoint(final int cp, final int part) {
        if (cp < 0x80) {
            final char c = (char) cp;
            if (isUnreserved(c) || isSubDelim(c)) {
                return true;
            }
            switch (part) {
                case IRI_HOST:
                    return false;
                case IRI_USERINFO:
                    return c == ':';
                case IRI_PATH:
                    return c == ':' || c == '@' || c == '/';
                default:
                    return c == ':' || c == '@' || c == '/' || c == '?';
            }
        }
        return isUcsChar(cp) || (part == IRI_QUERY && isPrivate(cp));
    }

    private static boolean isUcsChar(final int cp) {
        if (cp >= 0xA0 && cp <= 0xD7FF || cp >= 0xF900 && cp <= 0xFDCF || cp >= 0xFDF0 && cp <= 0xFFEF) {
            return true;
        }
        // Planes 1-13 minus their last two code points, and plane 14 from E1000.
        final int plane = cp >>> 16;
        final int low = cp & 0xFFFF;
        return plane >= 1 && plane <= 14 && low <= 0xFFFD && (plane < 14 || low >= 0x1000);
    }

    private static boolean isPrivate(final int cp) {
        return cp >= 0xE000 && cp <= 0xF8FF || cp >= 0xF0000 && cp <= 0xFFFFD || cp >= 0x100000 && cp <= 0x10FFFD;
    }

    private static boolean isUnreserved(final char c) {
        return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static boolean isSubDelim(final char c) {
        switch (c) {
            case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',': case ';':
            case '=':
                return true;
            default:
                return false;
        }
    }

    private static boolean fullDateAt(final String s, final int off) {
        if (s.length() < off + 10 || s.charAt(off + 4) != '-' || s.charAt(off + 7) != '-') {
            return false;
        }
        final int year = number(s, off, 4);
        final int month = number(s, off + 5, 2);
        final int day = number(s, off + 8, 2);
        return year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
    }

    private static int daysInMonth(final int year, final int month) {
        switch (month) {
            case 2:
                final boolean leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
                return leap ? 29 : 28;
            case 4: case 6: case 9: case 11:
                return 30;
            default:
                return 31;
        }
    }

    /** End index of HH:MM:SS[.frac] starting at {@code off}, or -1; second 60 is a leap second. */
    private static int partialTimeEnd(final String s, final int off) {
        if (s.length() < off + 8 || s.charAt(off + 2) != ':' || s.charAt(off + 5) != ':') {
            return -1;
        }
        final int hour = number(s, off, 2);
        final int minute = number(s, off + 3, 2);
        final int second = number(s, off + 6, 2);
        if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
            return -1;
        }
        int end = off + 8;
        if (end < s.length() && s.charAt(end) == '.') {
            final int fractionStart = ++end;
            while (end < s.length() && isDigit(s.charAt(end))) {
                end++;
            }
            if (end == fractionStart) {
                return -1;
            }
        }
        return end;
    }

    /** End index of "Z" or "+HH:MM"/"-HH:MM" starting at {@code off}, or -1. */
    private static int offsetEnd(final String s, final int off) {
        if (off >= s.length()) {
            return -1;
        }
        final char c = s.charAt(off);
        if (c == 'Z' || c == 'z') {
            return off + 1;
        }
        if ((c != '+' && c != '-') || s.length() < off + 6 || s.charAt(off + 3) != ':') {
            return -1;
        }
        final int hour = number(s, off + 1, 2);
        final int minute = number(s, off + 4, 2);
        return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 ? off + 6 : -1;
    }

    /** The non-negative decimal in s[off, off+digits), or -1 if any char is not a digit. */
    private static int number(final String s, final int off, final int digits) {
        int value = 0;
        for (int i = off; i < off + digits; i++) {
            final char c = s.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static boolean allAlpha(final String s, final int start, final int end) {
        for (int i = start; i < end; i++) {
            if (!isAlpha(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean allAlnum(final String s, final int start, final int end) {
        for (int i = start; i < end; i++) {
            final char c = s.charAt(i);
            if (!isAlpha(c) && !isDigit(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allDigit(final String s, final int start, final int end) {
        for (int i = start; i < end; i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean allHex(final String s, final int start, final int end) {
        for (int i = start; i < end; i++) {
            if (!isHex(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isX(final char c) {
        return c == 'x' || c == 'X';
    }

    private static boolean isAlpha(final char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isDigit(final char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHex(final char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
