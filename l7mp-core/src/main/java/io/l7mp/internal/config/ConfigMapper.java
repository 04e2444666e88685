package io.l7mp.internal.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.l7mp.ConfigException;
import io.l7mp.internal.engine.ProtocolRegistry;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import io.l7mp.spec.RuleListSpec;
import io.l7mp.spec.RuleSpec;
import io.l7mp.spi.ProtocolProvider;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Jackson set-up behind every spec read and write, and the translation of its errors into JSON paths. */
public final class ConfigMapper {
    private static final Logger logger = LoggerFactory.getLogger(ConfigMapper.class);
    /** Deserialization attribute: the path of the node being read, for the warnings of {@link LenientHandler}. */
    private static final String PATH = "l7mp.path";
    private static final Pattern FIELD_FIRST = Pattern.compile("^[A-Za-z_][\\w.\\[\\]]*: .*", Pattern.DOTALL);

    private final ProtocolRegistry registry;
    private final boolean strict;
    private final ObjectMapper json;
    private final ObjectMapper yaml;

    public ConfigMapper(ProtocolRegistry registry, boolean strict) {
        this.registry = registry;
        this.strict = strict;
        this.json = configure(JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build());
        this.yaml = configure(YAMLMapper.builder(YAMLFactory.builder()
                        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                        .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS).build()).build());
    }

    public ProtocolRegistry registry() {
        return registry;
    }

    public boolean strict() {
        return strict;
    }

    public ObjectMapper json() {
        return json;
    }

    public ObjectMapper yaml() {
        return yaml;
    }

    private ObjectMapper configure(ObjectMapper m) {
        m.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        m.configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);
        m.configure(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY, false);
        // A port or a count of 12.5 is a mistake to report, not to truncate to 12.
        m.configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);
        m.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, true);
        m.configure(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION.mappedFeature(), false);
        m.setDefaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                JsonInclude.Include.NON_NULL));
        final SimpleModule mod = new SimpleModule("l7mp");
        mod.addDeserializer(ProtocolSpec.class, new ProtocolSpecDeserializer());
        addRef(mod);
        m.registerModule(mod);
        if (!strict) {
            m.addHandler(new LenientHandler());
        }
        return m;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void addRef(SimpleModule mod) {
        mod.addDeserializer((Class) Ref.class, (JsonDeserializer) new RefDeserializer(null));
        mod.addSerializer((Class) Ref.class, (com.fasterxml.jackson.databind.JsonSerializer) new RefSerializer());
    }

    /** Reads {@code node} as {@code type}; errors become a {@link ConfigException} whose path starts with prefix. */
    public <T> T read(JsonNode node, Class<T> type, String prefix) {
        try {
            return json.readerFor(type).withAttribute(PATH, prefix).treeToValue(node, type);
        } catch (final JsonProcessingException e) {
            throw translate(e, prefix);
        } catch (final IllegalArgumentException e) {
            throw error(prefix, e);
        }
    }

    /**
     * Parses text as YAML or JSON into a tree; syntax errors name line and column. The text holds one document: what
     * follows it (a second JSON value, a second YAML document after {@code ---}) is an error, as in l7mp's JSON.parse,
     * not something to drop while the first part is applied.
     */
    public JsonNode parse(String text, boolean asYaml) {
        final ObjectMapper m = asYaml ? yaml : json;
        try (JsonParser p = m.createParser(text)) {
            final JsonNode n = m.readTree(p);
            if (p.nextToken() != null) {
                final var at = p.currentTokenLocation();
                throw new ConfigException("", "malformed document at line " + at.getLineNr() + ", column "
                        + at.getColumnNr() + ": " + (asYaml ? "a second YAML document (expected: one YAML document)"
                        : "more after the JSON value (expected: one JSON value)"));
            }
            return n == null || n.isMissingNode() ? json.createObjectNode() : n;
        } catch (final JsonProcessingException e) {
            throw translate(e, "");
        } catch (final IOException e) {
            throw new ConfigException("", "malformed document: " + e.getMessage(), e);
        }
    }

    /** Turns a record's {@link IllegalArgumentException} ("field: value (expected: ...)") into a path error. */
    public static ConfigException error(String prefix, Throwable e) {
        if (e instanceof ConfigException ce) {
            return ce.under(prefix);
        }
        final String msg = String.valueOf(e.getMessage());
        if (FIELD_FIRST.matcher(msg).matches()) {
            final int colon = msg.indexOf(": ");
            final String field = msg.substring(0, colon);
            // A record's message names its own field, which a Jackson path may already end with; an element of a
            // list ("rules[0]") may be reported by the list's own reader, whose path ends with the list ("....rules").
            final int bracket = field.indexOf('[');
            final String base = bracket > 0 ? field.substring(0, bracket) : field;
            final String path = prefix.isEmpty() ? field
                    : prefix.equals(field) || prefix.endsWith("." + field) ? prefix
                    : prefix.equals(base) || prefix.endsWith("." + base) ? prefix + field.substring(base.length())
                    : prefix + "." + field;
            return new ConfigException(path, msg.substring(colon + 2), e);
        }
        return new ConfigException(prefix, msg, e);
    }

    /** Translates a Jackson error into a {@link ConfigException} naming the JSON path of the bad field. */
    public static ConfigException translate(JsonProcessingException e, String prefix) {
        if (!(e instanceof JsonMappingException jm)) {
            final String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            return new ConfigException(prefix, "malformed document" + where + ": " + e.getOriginalMessage(), e);
        }
        final String path = join(prefix, pathOf(jm.getPath()));
        Throwable cause = jm.getCause();
        while (cause instanceof JsonMappingException inner && inner.getCause() != null) {
            cause = inner.getCause();
        }
        if (cause instanceof IllegalArgumentException || cause instanceof ConfigException) {
            return error(path, cause);
        }
        if (jm instanceof UnrecognizedPropertyException up) {
            return new ConfigException(path, "unknown field (expected: one of " + up.getKnownPropertyIds() + ")", e);
        }
        if (jm instanceof InvalidFormatException f) {
            return new ConfigException(path, quote(f.getValue()) + " (expected: " + describe(f.getTargetType()) + ")",
                    e);
        }
        if (jm instanceof MismatchedInputException mi && !(jm instanceof ValueInstantiationException)) {
            final String m = String.valueOf(jm.getOriginalMessage());
            if (FIELD_FIRST.matcher(m).matches()) {
                return error(path, new IllegalArgumentException(m));
            }
            final Class<?> t = mi.getTargetType();
            return new ConfigException(path, "wrong type (expected: " + (t == null ? m : describe(t)) + ")", e);
        }
        final String m = String.valueOf(jm.getOriginalMessage());
        return error(path, new IllegalArgumentException(m));
    }

    private static String quote(@Nullable Object v) {
        return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
    }

    private static String describe(@Nullable Class<?> t) {
        if (t == null) {
            return "another type";
        }
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
            return "an integer";
        }
        if (t == boolean.class || t == Boolean.class) {
            return "true or false";
        }
        if (t == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(t)) {
            return "a list";
        }
        if (t.isEnum()) {
            return "one of " + List.of(t.getEnumConstants());
        }
        return "an object";
    }

    static String pathOf(List<JsonMappingException.Reference> refs) {
        final StringBuilder sb = new StringBuilder();
        for (final JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String join(String prefix, String path) {
        if (prefix.isEmpty()) {
            return path;
        }
        if (path.isEmpty()) {
            return prefix;
        }
        return path.startsWith("[") ? prefix + path : prefix + "." + path;
    }

    /**
     * Returns the path of the parser's position as the errors write it ({@code clusters[0].spec.port}), under
     * {@code prefix} (a String attribute or null). {@code field}: the parser stands in the value of that field (an
     * object or array value may have opened its own context already, which does not count); null: it has just read
     * a whole object value, whose context is closed again.
     */
    static String pathHere(@Nullable Object prefix, JsonParser p, @Nullable String field) {
        com.fasterxml.jackson.core.JsonStreamContext c = p.getParsingContext();
        if (field != null) {
            com.fasterxml.jackson.core.JsonStreamContext f = c;
            while (f != null && !field.equals(f.getCurrentName())) {
                f = f.getParent();
            }
            if (f != null) {
                // The object that has the field; with a buffering parser a skipped array value's context may
                // still stand and report the field's name itself.
                final com.fasterxml.jackson.core.JsonStreamContext owner = f.inObject() ? f : f.getParent();
                c = owner == null ? null : owner.getParent();
            }
        }
        final java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject()) {
                if (c.getCurrentName() != null) {
                    parts.addFirst("." + c.getCurrentName());
                }
            } else if (c.inArray()) {
                parts.addFirst("[" + Math.max(0, c.getCurrentIndex()) + "]");
            }
        }
        final StringBuilder sb = new StringBuilder(prefix instanceof String s ? s : "");
        if (field != null) {
            parts.addLast("." + field);
        }
        for (final String part : parts) {
            sb.append(sb.length() == 0 && part.startsWith(".") ? part.substring(1) : part);
        }
        return sb.toString();
    }

    /** Binds {@code spec} objects to the record of the provider their {@code protocol} names. */
    private final class ProtocolSpecDeserializer extends StdDeserializer<ProtocolSpec> {
        ProtocolSpecDeserializer() {
            super(ProtocolSpec.class);
        }

        @Override
        public ProtocolSpec deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            final JsonNode node = ctxt.readTree(p);
            if (!(node instanceof ObjectNode obj)) {
                throw JsonMappingException.from(p, "spec: " + node + " (expected: an object with a protocol)");
            }
            final JsonNode proto = obj.get("protocol");
            if (proto == null || !proto.isTextual()) {
                throw JsonMappingException.from(p, "protocol: " + (proto == null ? "missing" : proto.toString())
                        + " (expected: one of " + registry.names() + ")");
            }
            final ProtocolProvider provider = registry.find(proto.asText());
            if (provider == null) {
                throw JsonMappingException.from(p, "protocol: " + registry.unknown(proto.asText()));
            }
            final JsonParser sub = obj.traverse(p.getCodec());
            sub.nextToken();
            // The spec is read from a parser of its own, whose paths start at the spec: keep where the spec is.
            final Object outer = ctxt.getAttribute(PATH);
            ctxt.setAttribute(PATH, pathHere(outer, p, null));
            try {
                return ctxt.readValue(sub, provider.specType());
            } finally {
                ctxt.setAttribute(PATH, outer);
            }
        }
    }

    /** Reads a name (string) or an inline definition (object; for rulelists also an array of rules). */
    private static final class RefDeserializer extends StdDeserializer<Ref<?>> implements ContextualDeserializer {
        private final @Nullable JavaType target;

        RefDeserializer(@Nullable JavaType target) {
            super(Ref.class);
            this.target = target;
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, @Nullable BeanProperty property) {
            JavaType t = ctxt.getContextualType();
            if (t == null && property != null) {
                t = property.getType();
            }
            while (t != null && t.isContainerType()) {
                t = t.getContentType();
            }
            return new RefDeserializer(t == null ? null : t.containedType(0));
        }

        @Override
        public Ref<?> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            final JavaType t = target;
            if (t == null) {
                throw JsonMappingException.from(p, "reference without a target type");
            }
            final JsonToken tok = p.currentToken();
            if (tok == JsonToken.VALUE_STRING) {
                final String name = p.getText();
                return Ref.to(name);
            }
            if (tok == JsonToken.START_OBJECT) {
                return Ref.inline(ctxt.readValue(p, t));
            }
            if (tok == JsonToken.START_ARRAY && t.getRawClass() == RuleListSpec.class) {
                final JavaType list = ctxt.getTypeFactory().constructCollectionType(List.class,
                        ctxt.getTypeFactory().constructParametricType(Ref.class, RuleSpec.class));
                final List<Ref<RuleSpec>> rules = ctxt.readValue(p, list);
                return Ref.inline(new RuleListSpec(null, rules));
            }
            throw MismatchedInputException.from(p, t.getRawClass(), "wrong type (expected: a name or "
                    + (t.getRawClass() == RuleListSpec.class ? "a list of rules" : "an object") + ")");
        }
    }

    /** Writes a reference as its name, an inline definition as the object (inline rules as a list). */
    private static final class RefSerializer extends StdSerializer<Ref<?>> {
        @SuppressWarnings({"unchecked", "rawtypes"})
        RefSerializer() {
            super((Class) Ref.class);
        }

        @Override
        public void serialize(Ref<?> value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            if (value instanceof Ref.Named<?> n) {
                gen.writeString(n.name());
            } else if (value instanceof Ref.Inline<?> i) {
                if (i.spec() instanceof RuleListSpec rl && rl.name() == null) {
                    provider.defaultSerializeValue(rl.rules(), gen);
                } else {
                    provider.defaultSerializeValue(i.spec(), gen);
                }
            }
        }
    }

    /** Outside strict mode, unknown fields are logged and skipped, as l7mp ignores them. */
    private static final class LenientHandler extends DeserializationProblemHandler {
        @Override
        public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deser,
                                             Object beanOrClass, String propertyName) throws IOException {
            // Skipped first: an array value's own context does not know the field it belongs to, its parent does.
            p.skipChildren();
            logger.warn("ignoring unknown field \"{}\" at {} (strict mode rejects it)", propertyName,
                    pathHere(ctxt.getAttribute(PATH), p, propertyName));
            return true;
        }
    }
}
