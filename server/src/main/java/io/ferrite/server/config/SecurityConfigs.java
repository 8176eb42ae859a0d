package io.ferrite.server.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Listeners and their security, with Kafka's keys. The TLS and SASL keys are Kafka's own definitions (taken from
 * kafka-clients' {@link BrokerSecurityConfigs#CONFIG_DEF}, so names, types, defaults and validation are Kafka's),
 * and each may be set for one listener as {@code listener.name.<name>.<key>}, as in Kafka.
 *
 * <p>What this broker cannot do is refused at start, with one line, rather than run open under a config that
 * looks secure: GSSAPI (Kerberos).
 */
public final class SecurityConfigs {
    /**
     * Kafka's listener string: {@code NAME://host:port}, the host possibly in brackets (IPv6). A bare
     * {@code host:port} is taken as a PLAINTEXT listener, as this broker always took it.
     */
    private static final Pattern LISTENER = Pattern.compile("(?:([A-Za-z0-9_]+)://)?\\[?([0-9a-zA-Z\\-%._:]*?)]?:(\\d+)");
    private static final String DEFAULT_PROTOCOL_MAP =
            "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";

    /** The listener keys. */
    static final ConfigDef LISTENERS = new ConfigDef()
            .define("listeners", Type.STRING, "PLAINTEXT://:9092", Importance.HIGH,
                    "The listeners, as NAME://host:port separated by commas (an empty host: every address). Each "
                            + "name's security protocol is given by listener.security.protocol.map.")
            .define("advertised.listeners", Type.STRING, null, Importance.HIGH,
                    "The address and port clients are told for each listener, as NAME://host:port; the names are "
                            + "some of those in listeners. A listener not named here is advertised as it is bound, "
                            + "with this machine's host name for a wildcard address.")
            .define("listener.security.protocol.map", Type.STRING, DEFAULT_PROTOCOL_MAP, Importance.HIGH,
                    "Each listener name's security protocol, as NAME:PROTOCOL pairs separated by commas. "
                            + "PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL are served.")
            .define("controller.listener.names", Type.STRING, "", Importance.LOW,
                    "Listeners Kafka would open for its controller. This broker has none, so listeners named here "
                            + "are not opened; kept so that a Kafka server.properties runs unchanged.");

    /** A key for one SASL mechanism, without a listener prefix: {@code scram-sha-256.sasl.jaas.config}. */
    private static final Pattern MECHANISM_KEY = Pattern.compile("([a-z0-9-]+)\\.(.+)");

    /** The SASL mechanisms served. */
    public static final List<String> SASL_MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512",
            "OAUTHBEARER");
    /**
     * Kafka's SASL keys a broker serving clients reads: the mechanisms, their JAAS configs and callback handlers,
     * re-authentication, the bound on frames before authentication, and what checks an OAUTHBEARER token. Each
     * may also be given for one mechanism as {@code <mechanism>.<key>} (with a listener prefix), as in Kafka.
     */
    private static final List<String> SASL_KEYS = List.of(BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG,
            SaslConfigs.SASL_JAAS_CONFIG, BrokerSecurityConfigs.SASL_SERVER_CALLBACK_HANDLER_CLASS_CONFIG,
            BrokerSecurityConfigs.CONNECTIONS_MAX_REAUTH_MS_CONFIG,
            BrokerSecurityConfigs.SASL_SERVER_MAX_RECEIVE_SIZE_CONFIG,
            SaslConfigs.SASL_OAUTHBEARER_JWKS_ENDPOINT_URL, SaslConfigs.SASL_OAUTHBEARER_JWKS_ENDPOINT_REFRESH_MS,
            SaslConfigs.SASL_OAUTHBEARER_JWKS_ENDPOINT_RETRY_BACKOFF_MS,
            SaslConfigs.SASL_OAUTHBEARER_JWKS_ENDPOINT_RETRY_BACKOFF_MAX_MS,
            SaslConfigs.SASL_OAUTHBEARER_CLOCK_SKEW_SECONDS, SaslConfigs.SASL_OAUTHBEARER_EXPECTED_AUDIENCE,
            SaslConfigs.SASL_OAUTHBEARER_EXPECTED_ISSUER, SaslConfigs.SASL_OAUTHBEARER_SCOPE_CLAIM_NAME,
            SaslConfigs.SASL_OAUTHBEARER_SUB_CLAIM_NAME, SaslConfigs.SASL_OAUTHBEARER_JWT_VALIDATOR_CLASS);

    /** Kafka's TLS and SASL keys and the principal builder, as kafka-clients defines them for brokers. */
    public static final ConfigDef SECURITY = securityDef();

    /** Kafka's authorizer keys; the authorizer reads them (and any of its own) from every broker property. */
    static final ConfigDef AUTHORIZATION = new ConfigDef()
            .define("authorizer.class.name", Type.STRING, "", Importance.HIGH,
                    "The authorizer: org.apache.kafka.metadata.authorizer.StandardAuthorizer (Kafka's own, with ACLs "
                            + "kept in the data directory and managed with CreateAcls and DeleteAcls, kafka-acls.sh), "
                            + "or another implementation of org.apache.kafka.server.authorizer.Authorizer. Empty: no "
                            + "authorization, every client may do everything.")
            .define("super.users", Type.STRING, "", Importance.HIGH,
                    "Principals the authorizer allows everything, as Type:name separated by semicolons "
                            + "(User:admin;User:CN=broker,O=example).")
            .define("allow.everyone.if.no.acl.found", Type.BOOLEAN, false, Importance.HIGH,
                    "Whether the authorizer allows an action on a resource that no ACL matches at all (false: "
                            + "denied, as Kafka's default).");

    /** All of them. */
    static final ConfigDef CONFIG_DEF = merge(LISTENERS, SECURITY, AUTHORIZATION);

    private SecurityConfigs() {
    }

    /**
     * The default TLS engine: BoringSSL through netty-tcnative, which served produce about 20% faster and consume
     * about 10% faster than the JDK's engine for about a quarter less broker CPU (docs/PERFORMANCE.md). Named, not
     * referenced: the security package builds it.
     */
    static final String OPENSSL_ENGINE_FACTORY = "io.ferrite.server.security.OpenSslEngineFactory";

    private static ConfigDef securityDef() {
        ConfigDef def = new ConfigDef();
        for (ConfigKey k : BrokerSecurityConfigs.CONFIG_DEF.configKeys().values()) {
            if (k.name.equals(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG)) {
                def.define(k.name, Type.CLASS, OPENSSL_ENGINE_FACTORY, Importance.LOW, "The class of type "
                        + "org.apache.kafka.common.security.auth.SslEngineFactory that makes TLS listeners' engines. "
                        + "The default uses BoringSSL (netty-tcnative, bundled for Linux and macOS on x86-64 and "
                        + "ARM64); org.apache.kafka.common.security.ssl.DefaultSslEngineFactory uses the JDK's engine, "
                        + "as Kafka does. With BoringSSL, ssl.protocol, ssl.provider and "
                        + "ssl.secure.random.implementation do not apply.");
            } else if (k.name.startsWith("ssl.") || SASL_KEYS.contains(k.name)
                    || k.name.equals(BrokerSecurityConfigs.PRINCIPAL_BUILDER_CLASS_CONFIG)) {
                def.define(k);
            }
        }
        return def;
    }

    private static ConfigDef merge(ConfigDef... parts) {
        ConfigDef all = new ConfigDef();
        for (ConfigDef part : parts) {
            part.configKeys().values().forEach(all::define);
        }
        return all;
    }

    /** The ports of the listeners {@code controller.listener.names} names, which the broker does not open. */
    static Set<Integer> controllerPorts(Map<String, Object> values) {
        Map<String, String[]> all = parse("listeners", (String) values.get("listeners"));
        Set<Integer> ports = new HashSet<>();
        for (String name : names((String) values.get("controller.listener.names"))) {
            String[] hostPort = all.get(name);
            if (hostPort != null) {
                ports.add(port("listeners", hostPort[1]));
            }
        }
        return ports;
    }

    /**
     * The listeners the broker opens, from the parsed {@code values} and, for per-listener keys, the raw
     * {@code props}. A malformed or inconsistent setting fails with an {@link IllegalArgumentException} naming it.
     */
    static List<Listener> listeners(Map<String, Object> values, Map<String, String> props) {
        Map<String, SecurityProtocol> protocols = protocolMap((String) values.get("listener.security.protocol.map"));
        List<String> controllers = names((String) values.get("controller.listener.names"));
        Map<String, String[]> bound = parse("listeners", (String) values.get("listeners"));
        controllers.forEach(bound::remove);
        if (bound.isEmpty()) {
            throw new IllegalArgumentException("listeners names no listener but the controller's");
        }
        String advertisedValue = (String) values.get("advertised.listeners");
        Map<String, String[]> advertised = advertisedValue == null ? Map.of()
                : parse("advertised.listeners", advertisedValue);
        for (String name : advertised.keySet()) {
            if (!bound.containsKey(name) && !controllers.contains(name)) {
                throw new IllegalArgumentException("advertised.listeners names " + name + ", which listeners does "
                        + "not: its names must be some of " + bound.keySet());
            }
        }
        List<Integer> ports = new ArrayList<>();
        List<Listener> out = new ArrayList<>();
        for (Map.Entry<String, String[]> e : bound.entrySet()) {
            String name = e.getKey();
            SecurityProtocol protocol = protocols.get(name);
            if (protocol == null) {
                throw new IllegalArgumentException("listener " + name + " has no security protocol in "
                        + "listener.security.protocol.map " + protocols.keySet());
            }
            String host = e.getValue()[0];
            int port = port("listeners", e.getValue()[1]);
            if (port != 0 && ports.contains(port)) {
                throw new IllegalArgumentException("listeners: each listener needs a port of its own, and " + port
                        + " is taken twice");
            }
            ports.add(port);
            String advertisedHost = host.isEmpty() || isWildcard(host) ? canonicalHostName() : host;
            int advertisedPort = 0;
            String[] a = advertised.get(name);
            if (a != null) {
                advertisedHost = a[0];
                advertisedPort = port("advertised.listeners", a[1]);
                if (advertisedHost.isEmpty() || isWildcard(advertisedHost)) {
                    throw new IllegalArgumentException("advertised.listeners must name a host clients can reach for "
                            + name + ", not '" + advertisedValue + "'");
                }
            }
            Map<String, Object> security = security(name, props);
            Listener l = new Listener(name, protocol, host, port, advertisedHost, advertisedPort, security);
            if (l.tls() && security.get(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG) == null
                    && security.get(SslConfigs.SSL_KEYSTORE_KEY_CONFIG) == null) {
                throw new IllegalArgumentException("listener " + name + " uses " + protocol + " but has no key store: "
                        + "set ssl.keystore.location (or listener.name." + name.toLowerCase(Locale.ROOT)
                        + ".ssl.keystore.location)");
            }
            if (l.sasl()) {
                @SuppressWarnings("unchecked")
                List<String> mechanisms = (List<String>) security.get(BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG);
                List<String> unsupported = mechanisms.stream().filter(m -> !SASL_MECHANISMS.contains(m)).toList();
                if (mechanisms.isEmpty() || !unsupported.isEmpty()) {
                    throw new IllegalArgumentException("listener " + name + " uses " + protocol + " with SASL "
                            + "mechanisms " + mechanisms + ", but this broker serves " + SASL_MECHANISMS + " (not Kerberos): set "
                            + "sasl.enabled.mechanisms (Kafka's default is GSSAPI)");
                }
            }
            out.add(l);
        }
        return out;
    }

    /**
     * Whether {@code key} may be set while the broker runs (IncrementalAlterConfigs on this broker): a listener's
     * TLS stores, named with its prefix, as Kafka takes them ({@code listener.name.<name>.ssl.keystore.location},
     * ...). The same key without a prefix is not: a store is changed for one listener at a time.
     */
    public static boolean dynamic(String key, List<Listener> listeners) {
        for (Listener l : listeners) {
            String prefix = "listener.name." + l.name().toLowerCase(Locale.ROOT) + ".";
            if (l.tls() && key.startsWith(prefix)
                    && SslConfigs.RECONFIGURABLE_CONFIGS.contains(key.substring(prefix.length()))) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code key} is a TLS store key that may change while the broker runs, given with a listener prefix. */
    public static boolean needsListenerPrefix(String key) {
        return SslConfigs.RECONFIGURABLE_CONFIGS.contains(key);
    }

    /** Each TLS and SASL key for one listener: its {@code listener.name.<name>.} form over the plain one, parsed. */
    public static Map<String, Object> security(String listener, Map<String, String> props) {
        String prefix = "listener.name." + listener.toLowerCase(Locale.ROOT) + ".";
        Map<String, String> raw = new HashMap<>();
        for (String key : SECURITY.names()) {
            String v = props.containsKey(prefix + key) ? props.get(prefix + key) : props.get(key);
            if (v != null) {
                raw.put(key, v);
            }
        }
        Map<String, Object> parsed;
        try {
            parsed = new HashMap<>(SECURITY.parse(raw));
        } catch (org.apache.kafka.common.config.ConfigException e) {
            throw new IllegalArgumentException("listener " + listener + ": " + e.getMessage(), e);
        }
        // A key for one mechanism, <mechanism>.<key> (its JAAS config, callback handler, re-authentication bound),
        // the listener's prefixed one over a bare one, typed by <key>'s definition: where Kafka's JaasContext, SASL
        // servers and OAUTHBEARER validators look for it.
        for (String p : new String[] {"", prefix}) {
            for (Map.Entry<String, String> e : props.entrySet()) {
                String rest = e.getKey().startsWith(p) ? e.getKey().substring(p.length()) : null;
                Matcher m = rest == null ? null : MECHANISM_KEY.matcher(rest);
                if (m != null && m.matches() && !rest.startsWith("listener.") && SASL_KEYS.contains(m.group(2))) {
                    try {
                        ConfigKey def = SECURITY.configKeys().get(m.group(2));
                        Object value = ConfigDef.parseType(rest, e.getValue(), def.type);
                        if (def.validator != null) {
                            def.validator.ensureValid(rest, value);
                        }
                        parsed.put(rest, value);
                    } catch (org.apache.kafka.common.config.ConfigException x) {
                        throw new IllegalArgumentException("listener " + listener + ": " + x.getMessage(), x);
                    }
                }
            }
        }
        return parsed;
    }

    /** NAME -> [host, port], in the order given; a name twice fails. */
    private static Map<String, String[]> parse(String key, String value) {
        Map<String, String[]> out = new LinkedHashMap<>();
        for (String item : value.split(",")) {
            if (item.isBlank()) {
                continue;
            }
            Matcher m = LISTENER.matcher(item.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException(key + " must be NAME://host:port items separated by commas, not '"
                        + value + "'");
            }
            String name = m.group(1) == null ? "PLAINTEXT" : m.group(1).toUpperCase(Locale.ROOT);
            if (out.put(name, new String[] {m.group(2), m.group(3)}) != null) {
                throw new IllegalArgumentException(key + ": each listener needs a name of its own, and " + name
                        + " is given twice in '" + value + "'");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(key + " names no listener");
        }
        return out;
    }

    private static Map<String, SecurityProtocol> protocolMap(String value) {
        Map<String, SecurityProtocol> out = new HashMap<>();
        for (String pair : value.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            String[] kv = pair.trim().split(":");
            SecurityProtocol p;
            try {
                p = kv.length == 2 ? SecurityProtocol.forName(kv[1].trim()) : null;
            } catch (IllegalArgumentException e) {
                p = null;
            }
            if (p == null) {
                throw new IllegalArgumentException("listener.security.protocol.map must be NAME:PROTOCOL pairs with "
                        + "a protocol among " + SecurityProtocol.names() + ", not '" + pair.trim() + "'");
            }
            out.put(kv[0].trim().toUpperCase(Locale.ROOT), p);
        }
        return out;
    }

    private static List<String> names(String value) {
        List<String> out = new ArrayList<>();
        for (String n : value.split(",")) {
            if (!n.isBlank()) {
                out.add(n.trim().toUpperCase(Locale.ROOT));
            }
        }
        return out;
    }

    private static int port(String key, String digits) {
        try {
            int p = Integer.parseInt(digits);
            if (p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // too many digits: refused below
        }
        throw new IllegalArgumentException(key + ": port " + digits + " is not between 0 and 65535");
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::");
    }

    private static String canonicalHostName() {
        try {
            return java.net.InetAddress.getLocalHost().getCanonicalHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }
}
