package io.ferrite.server.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the network allows, with Kafka's keys.
 *
 * @param maxConnections         {@code max.connections}: at the limit, accepting waits until one closes
 * @param maxConnectionsPerIp    {@code max.connections.per.ip}: past it, a new connection is closed
 * @param perIpOverrides         {@code max.connections.per.ip.overrides}: host (name or address) to its own limit
 * @param maxCreationRate        {@code max.connection.creation.rate}: new connections per second
 * @param idleMs                 {@code connections.max.idle.ms}: an idle connection is closed; -1 never
 * @param queuedMaxRequestBytes  {@code queued.max.request.bytes}, resolved: the budget of requests read and
 *                               not yet answered
 */
public record ConnectionLimits(int maxConnections, int maxConnectionsPerIp, Map<String, Integer> perIpOverrides,
                               int maxCreationRate, long idleMs, long queuedMaxRequestBytes) {
    public ConnectionLimits {
        perIpOverrides = Map.copyOf(perIpOverrides);
        if (maxConnectionsPerIp == 0 && perIpOverrides.isEmpty()) { // as Kafka: nobody could ever connect
            throw new IllegalArgumentException("max.connections.per.ip is 0 and no override allows any host");
        }
    }

    /** Kafka's format: {@code host:count} items separated by commas; an empty string is none. */
    static Map<String, Integer> parseOverrides(String value) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String item : value.split(",")) {
            if (item.isBlank()) {
                continue;
            }
            int colon = item.lastIndexOf(':');
            try {
                int count = Integer.parseInt(item.substring(colon + 1).trim());
                if (colon <= 0 || count < 0) {
                    throw new NumberFormatException();
                }
                out.put(item.substring(0, colon).trim(), count);
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                throw new IllegalArgumentException("max.connections.per.ip.overrides: '" + item.trim()
                        + "' is not host:count");
            }
        }
        return out;
    }
}
