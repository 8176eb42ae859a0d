package io.ferrite.bench.brokers;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.ChildProcess;
import io.ferrite.launcher.FerriteProcess;
import io.ferrite.launcher.KafkaProcess;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMessages;

/**
 * SASL/SCRAM connection set-up rate, Ferrite against Kafka on this machine: client threads each open a
 * connection, authenticate with SCRAM-SHA-256 (SaslHandshake, then the two SaslAuthenticate rounds) and close
 * it, over and over, against one broker at a time, the brokers alternating each round. The client keeps the
 * salted password once computed (a client may, the salt and iterations being the user's), so what is measured is
 * the brokers' side of an authentication, not the client's 4,096 rounds of PBKDF2. Reports connections per
 * second and the broker's CPU per thousand connections.
 *
 * <pre>bin/bench-scram [--rounds N] [--seconds S] [--threads T]</pre>
 */
public final class ScramSetupBenchmark {
    private static final String USER = "bench";
    private static final String PASSWORD = "bench-secret";

    private ScramSetupBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 3;
        int seconds = 10;
        int threads = 4;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path root = Files.createTempDirectory("bench-scram");
        Map<String, String> sasl = Map.of("sasl.enabled.mechanisms", "SCRAM-SHA-256",
                "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        List<double[]> ferrite = new ArrayList<>();
        List<double[]> kafka = new ArrayList<>();
        try (BrokerUnderTest f = FerriteProcess.startSecure("scram-ferrite", root.resolve("ferrite"), "SASL_PLAINTEXT",
                sasl);
             BrokerUnderTest k = KafkaProcess.startSecure("scram-kafka", root.resolve("kafka"), "SASL_PLAINTEXT",
                     sasl)) {
            for (BrokerUnderTest b : List.of(f, k)) {
                try (Admin admin = Admin.create(Map.of("bootstrap.servers", b.bootstrap()))) {
                    admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(USER,
                            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), PASSWORD)))
                            .all().get(60, TimeUnit.SECONDS);
                }
                run(b, 1, 2); // warms both the broker's code paths and the client's
            }
            for (int r = 1; r <= rounds; r++) {
                double[] fr = run(f, threads, seconds);
                double[] kr = run(k, threads, seconds);
                ferrite.add(fr);
                kafka.add(kr);
                System.out.printf(Locale.ROOT, "round %d: ferrite %.0f conn/s (%.2f CPU s per 1,000), kafka %.0f "
                        + "conn/s (%.2f CPU s per 1,000)%n", r, fr[0], fr[1], kr[0], kr[1]);
            }
        } finally {
            ChildProcess.deleteTree(root);
        }
        double f = median(ferrite, 0);
        double k = median(kafka, 0);
        System.out.printf(Locale.ROOT, "median: ferrite %.0f conn/s, kafka %.0f conn/s, ratio %.2f; CPU s per 1,000: "
                + "ferrite %.2f, kafka %.2f%n", f, k, f / k, median(ferrite, 1), median(kafka, 1));
    }

    private static double median(List<double[]> runs, int field) {
        double[] v = runs.stream().mapToDouble(r -> r[field]).sorted().toArray();
        return v[v.length / 2];
    }

    /** {connections per second, broker CPU seconds per 1,000 connections} over {@code seconds}. */
    private static double[] run(BrokerUnderTest broker, int threads, int seconds) throws Exception {
        String[] hp = broker.secureBootstrap().split(":");
        InetSocketAddress at = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        double cpuBefore = ProcessCpu.seconds(broker.pid());
        long start = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        authenticate(at);
                        done.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "scram-client-" + t);
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a connection failed", failures.get(0));
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpu = ProcessCpu.seconds(broker.pid()) - cpuBefore;
        return new double[] {done.get() / elapsed, cpu / done.get() * 1000};
    }

    /** Salted passwords by salt, so the client does PBKDF2 once per broker, not once per connection. */
    private static final Map<String, byte[]> SALTED = new ConcurrentHashMap<>();

    private static void authenticate(InetSocketAddress at) throws Exception {
        ScramFormatter formatter = new ScramFormatter(
                org.apache.kafka.common.security.scram.internals.ScramMechanism.SCRAM_SHA_256);
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(at, 10_000);
            s.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            RequestHeader h1 = new RequestHeader(ApiKeys.SASL_HANDSHAKE, (short) 1, "bench", 1);
            send(out, new SaslHandshakeRequest.Builder(new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-256"))
                    .build((short) 1).serializeWithHeader(h1));
            SaslHandshakeResponse hs = (SaslHandshakeResponse) receive(in, h1);
            check(hs.data().errorCode(), "handshake");

            ScramMessages.ClientFirstMessage first = new ScramMessages.ClientFirstMessage(USER,
                    formatter.secureRandomString(), Map.of());
            RequestHeader h2 = new RequestHeader(ApiKeys.SASL_AUTHENTICATE, (short) 2, "bench", 2);
            send(out, new SaslAuthenticateRequest.Builder(new SaslAuthenticateRequestData()
                    .setAuthBytes(first.toBytes())).build((short) 2).serializeWithHeader(h2));
            SaslAuthenticateResponse r2 = (SaslAuthenticateResponse) receive(in, h2);
            check(r2.data().errorCode(), "client-first");
            ScramMessages.ServerFirstMessage serverFirst = new ScramMessages.ServerFirstMessage(r2.data().authBytes());
            byte[] salted = SALTED.computeIfAbsent(java.util.Base64.getEncoder().encodeToString(serverFirst.salt())
                    + serverFirst.iterations(), key -> {
                        try {
                            return formatter.hi(ScramFormatter.normalize(PASSWORD), serverFirst.salt(),
                                    serverFirst.iterations());
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
            ScramMessages.ClientFinalMessage last = new ScramMessages.ClientFinalMessage(
                    "n,,".getBytes(StandardCharsets.UTF_8), serverFirst.nonce());
            last.proof(formatter.clientProof(salted, first, serverFirst, last));
            RequestHeader h3 = new RequestHeader(ApiKeys.SASL_AUTHENTICATE, (short) 2, "bench", 3);
            send(out, new SaslAuthenticateRequest.Builder(new SaslAuthenticateRequestData()
                    .setAuthBytes(last.toBytes())).build((short) 2).serializeWithHeader(h3));
            SaslAuthenticateResponse r3 = (SaslAuthenticateResponse) receive(in, h3);
            check(r3.data().errorCode(), "client-final");
        }
    }

    private static void send(DataOutputStream out, ByteBuffer request) throws IOException {
        out.writeInt(request.remaining());
        out.write(request.array(), request.arrayOffset() + request.position(), request.remaining());
        out.flush();
    }

    private static AbstractResponse receive(DataInputStream in, RequestHeader header) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return AbstractResponse.parseResponse(ByteBuffer.wrap(b), header);
    }

    private static void check(short error, String step) {
        if (error != Errors.NONE.code()) {
            throw new IllegalStateException(step + ": " + Errors.forCode(error));
        }
    }
}
