package io.ferrite.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A certificate authority of its own, and key stores signed by it, made with the JDK's {@code keytool} (no
 * library beyond the JDK, and the same commands docs/SECURITY.md shows an operator): for tests and benchmarks
 * of TLS listeners. Keys are EC P-256, which every client tried here speaks and which is quick to make. Every
 * store is PKCS12 with one password; {@link #pem} writes a key and its chain as Kafka's PEM key stores take them.
 */
public final class Certificates {
    /** The password of every store made here. */
    public static final String PASSWORD = "ferrite-test";

    private final Path dir;
    private final String name;
    private final Path caStore;
    private final Path caPem;

    private Certificates(Path dir, String name) {
        this.dir = dir;
        this.name = name;
        this.caStore = dir.resolve(name + "-ca.p12");
        this.caPem = dir.resolve(name + "-ca.pem");
    }

    /** A new authority named {@code name}, its files under {@code dir}. */
    public static Certificates authority(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Certificates ca = new Certificates(dir, name);
        keytool("-genkeypair", "-keystore", ca.caStore.toString(), "-alias", "ca", "-dname", "CN=" + name,
                "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30", "-ext", "bc:c");
        keytool("-exportcert", "-keystore", ca.caStore.toString(), "-alias", "ca", "-rfc", "-file",
                ca.caPem.toString());
        return ca;
    }

    /** The authority's certificate, PEM. */
    public Path caPem() {
        return caPem;
    }

    /** A PKCS12 trust store holding the authority's certificate only. */
    public Path truststore() throws IOException {
        Path trust = dir.resolve(name + "-truststore.p12");
        if (!Files.exists(trust)) {
            keytool("-importcert", "-keystore", trust.toString(), "-alias", "ca", "-file", caPem.toString(),
                    "-noprompt");
        }
        return trust;
    }

    /**
     * A PKCS12 key store with a key for {@code dname}, signed by this authority for localhost and 127.0.0.1,
     * valid from {@code startsIn} (negative: in the past) for {@code days} days, its chain ending in the
     * authority. A store for a name already made is made again.
     */
    public Path keystore(String alias, String dname, Duration startsIn, int days) throws IOException {
        Path store = dir.resolve(alias + ".p12");
        Path csr = dir.resolve(alias + ".csr");
        Path signed = dir.resolve(alias + ".pem");
        Files.deleteIfExists(store);
        keytool("-genkeypair", "-keystore", store.toString(), "-alias", alias, "-dname", dname, "-keyalg", "EC",
                "-groupname", "secp256r1");
        keytool("-certreq", "-keystore", store.toString(), "-alias", alias, "-file", csr.toString());
        List<String> sign = new ArrayList<>(List.of("-gencert", "-keystore", caStore.toString(), "-alias", "ca",
                "-infile", csr.toString(), "-outfile", signed.toString(), "-rfc", "-ext",
                "SAN=dns:localhost,ip:127.0.0.1", "-validity", Integer.toString(days)));
        if (!startsIn.isZero()) {
            sign.addAll(List.of("-startdate", startDate(startsIn)));
        }
        keytool(sign.toArray(String[]::new));
        keytool("-importcert", "-keystore", store.toString(), "-alias", "ca", "-file", caPem.toString(), "-noprompt");
        keytool("-importcert", "-keystore", store.toString(), "-alias", alias, "-file", signed.toString());
        return store;
    }

    /** As above, valid from now for 30 days. */
    public Path keystore(String alias, String dname) throws IOException {
        return keystore(alias, dname, Duration.ZERO, 30);
    }

    /** The key and certificate chain of {@code alias} in {@code keystore}, as one PEM file (PKCS#8 key, unencrypted). */
    public static Path pem(Path keystore, String alias, Path to) throws IOException {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            Key key = ks.getKey(alias, PASSWORD.toCharArray());
            List<String> blocks = new ArrayList<>();
            blocks.add(block("PRIVATE KEY", key.getEncoded()));
            for (Certificate c : ks.getCertificateChain(alias)) {
                blocks.add(block("CERTIFICATE", c.getEncoded()));
            }
            Files.writeString(to, String.join("", blocks), StandardCharsets.US_ASCII);
            return to;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read " + alias + " from " + keystore, e);
        }
    }

    private static String block(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** keytool's -startdate form: a signed offset in seconds ("+0S", "-172800S"). */
    private static String startDate(Duration startsIn) {
        long s = startsIn.toSeconds();
        return (s < 0 ? "-" : "+") + Math.abs(s) + "S";
    }

    private static void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC")); // a short run: start quickly
        command.addAll(List.of(args));
        command.addAll(List.of("-storepass", PASSWORD, "-storetype", "PKCS12"));
        if (List.of(args).contains("-genkeypair")) {
            command.addAll(List.of("-keypass", PASSWORD));
        }
        try {
            Command.run("keytool", command, "", Duration.ofSeconds(60)).ok();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running keytool", e);
        }
    }
}
