package io.l7mp.internal.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;

/** Test fixtures: a lenient parser (single quotes, unquoted names) and l7mp-shaped session metadata. */
final class Json {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
            .enable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES)
            .build();

    /** Metadata shaped like what l7mp listeners attach to a session. */
    static final String METADATA = "{'IP':{'src_addr':'127.0.0.1','dst_addr':'0.0.0.0'},"
            + "'UDP':{'src_port':15001,'dst_port':15000},"
            + "'HTTP':{'url':{'path':'/admin/x'},'headers':{'host':'a'}},"
            + "'labels':{'session_id':'abc'}}";

    private Json() {
    }

    static JsonNode parse(final String json) {
        try {
            return MAPPER.readTree(json);
        } catch (final JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode object(final String json) {
        return (ObjectNode) parse(json);
    }

    /** A fresh copy of {@link #METADATA}. */
    static ObjectNode metadata() {
        return object(METADATA);
    }

    /** {@link #METADATA} plus arrays, floats, booleans and nulls for the ops that need them. */
    static ObjectNode richMetadata() {
        final ObjectNode m = metadata();
        m.set("tags", parse("['a','B',{'k':{'v':1}},3,null]"));
        m.put("ratio", 0.5);
        m.put("secure", true);
        m.putNull("nothing");
        m.set("empty", parse("[]"));
        return m;
    }

    static Matcher compile(final String predicate) {
        return MatchCompiler.compile(parse(predicate));
    }
}
