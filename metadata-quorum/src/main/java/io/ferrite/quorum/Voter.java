package io.ferrite.quorum;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A member of the controller quorum, as Kafka's {@code controller.quorum.voters} names it: {@code id@host:port}. */
public record Voter(int id, String host, int port) {
    /**
     * Parses {@code controller.quorum.voters}: comma-separated {@code id@host:port} entries, ids unique.
     *
     * @throws IllegalArgumentException naming the entry that is not one
     */
    public static List<Voter> parseAll(String voters) {
        List<Voter> out = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        for (String item : voters.split(",")) {
            String s = item.trim();
            int at = s.indexOf('@');
            int colon = s.lastIndexOf(':');
            if (at <= 0 || colon <= at + 1 || colon == s.length() - 1) {
                throw new IllegalArgumentException("controller.quorum.voters entry '" + s + "' is not id@host:port");
            }
            try {
                Voter v = new Voter(Integer.parseInt(s.substring(0, at)), s.substring(at + 1, colon),
                        Integer.parseInt(s.substring(colon + 1)));
                if (v.id < 0 || v.port <= 0 || v.port > 65535 || !ids.add(v.id)) {
                    throw new IllegalArgumentException("controller.quorum.voters entry '" + s
                            + "' has a negative or repeated id, or no port");
                }
                out.add(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("controller.quorum.voters entry '" + s + "' is not id@host:port");
            }
        }
        return out;
    }

    String address() {
        return host + ":" + port;
    }
}
