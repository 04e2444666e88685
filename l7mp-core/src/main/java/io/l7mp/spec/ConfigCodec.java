package io.l7mp.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.ConfigException;
import io.l7mp.internal.config.ConfigMapper;
import io.l7mp.internal.engine.ProtocolRegistry;
import io.l7mp.spi.ProtocolProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * Reads and writes specs as l7mp's YAML or JSON. Thread-safe. Errors are {@link ConfigException}s naming the JSON
 * path of the bad field, e.g. {@code listeners[0].spec.port: 70000 (expected: 0-65535)}. Outside strict mode
 * unknown fields are logged and ignored, as l7mp does; strict mode rejects them.
 */
public final class ConfigCodec {
    private static volatile ConfigCodec defaults;

    private final ConfigMapper mapper;

    private ConfigCodec(ConfigMapper mapper) {
        this.mapper = mapper;
    }

    /** Returns a lenient codec over the protocols found on the class path. */
    public static ConfigCodec defaults() {
        ConfigCodec c = defaults;
        if (c == null) {
            c = new ConfigCodec(new ConfigMapper(ProtocolRegistry.defaults(), false));
            defaults = c;
        }
        return c;
    }

    /** Returns a codec over the class path's protocols plus {@code extra}. */
    public static ConfigCodec of(Collection<? extends ProtocolProvider> extra, boolean strict) {
        return new ConfigCodec(new ConfigMapper(ProtocolRegistry.defaults().with(extra), strict));
    }

    /** Returns this codec with strict validation on or off. */
    public ConfigCodec strict(boolean strict) {
        return strict == mapper.strict() ? this : new ConfigCodec(new ConfigMapper(mapper.registry(), strict));
    }

    /** Returns whether unknown fields are rejected. */
    public boolean isStrict() {
        return mapper.strict();
    }

    /** Reads a config file: YAML when the name ends in {@code .yaml} or {@code .yml}, JSON otherwise. */
    public Config read(Path file) {
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (final CharacterCodingException e) {
            throw new UncheckedIOException("cannot read " + file + ": not UTF-8 text", e);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        // An empty file is a mistake (a truncated file, the wrong path): it would start a proxy that can do nothing,
        // not even take a config over the API. "{}" says it on purpose.
        if (text.lines().map(String::strip).allMatch(l -> l.isEmpty() || l.startsWith("#"))) {
            throw new ConfigException("", "the config file is empty (expected: an object with admin, listeners, "
                    + "clusters, ...)");
        }
        final String n = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return readConfig(text, n.endsWith(".yaml") || n.endsWith(".yml"));
    }

    /** Reads a whole config from YAML (true) or JSON (false) text. */
    public Config readConfig(String text, boolean yaml) {
        final JsonNode tree = mapper.parse(text, yaml);
        if (!tree.isObject()) {
            throw new ConfigException("", "the config must be an object with admin, listeners, clusters, ...");
        }
        return mapper.read(tree, Config.class, "");
    }

    /** Parses YAML (a superset of JSON) or JSON text into a tree. */
    public JsonNode parse(String text, boolean yaml) {
        return mapper.parse(text, yaml);
    }

    /** Binds a tree to a spec type; {@code path} prefixes error paths (e.g. {@code "listener"}). */
    public <T> T read(JsonNode node, Class<T> type, String path) {
        return mapper.read(node, type, path);
    }

    /** Returns a spec as a JSON tree. */
    public JsonNode toTree(Object spec) {
        return mapper.json().valueToTree(spec);
    }

    /** Returns a spec as indented JSON. */
    public String toJson(Object spec) {
        try {
            return mapper.json().writeValueAsString(spec);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns a spec as YAML. */
    public String toYaml(Object spec) {
        try {
            return mapper.yaml().writeValueAsString(spec);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
