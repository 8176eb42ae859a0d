package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ferrite.server.config.BrokerConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.MessageUtil;

/** Requests and responses on a real socket, in the bytes kafka-clients' own serializers write. */
public final class Wire {
    private Wire() {
    }

    /** A broker on a free loopback port with its data under {@code dir}, small files, and the given overrides. */
    static Broker startBroker(Path dir, Map<String, String> overrides) throws Exception {
        return startBroker(dir, overrides, Clock.systemUTC());
    }

    /** As {@link #startBroker(Path, Map)}, on the given clock. */
    static Broker startBroker(Path dir, Map<String, String> overrides, Clock clock) throws Exception {
        Map<String, String> props = new HashMap<>(Map.of("listeners", "PLAINTEXT://127.0.0.1:0",
                "advertised.listeners", "PLAINTEXT://127.0.0.1:0", "log.dirs", dir.resolve("data").toString(),
                "store.commitlog.file.bytes", "1048576"));
        props.putAll(overrides);
        return Broker.start(BrokerConfig.fromProperties(props), clock);
    }

    public static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    static ByteBuffer bytes(Message m, short version) {
        ByteBuffer b = MessageUtil.toByteBufferAccessor(m, version).buffer().duplicate();
        return b.position() == 0 ? b : b.flip(); // written and ready to read either way
    }

    /** A whole request frame, size prefix included. */
    public static byte[] frame(ApiKeys api, short version, int correlationId, ApiMessage body) {
        RequestHeaderData h = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId("test");
        ByteBuffer header = bytes(h, api.messageType.requestHeaderVersion(version));
        ByteBuffer b = bytes(body, version);
        ByteBuffer out = ByteBuffer.allocate(4 + header.remaining() + b.remaining());
        out.putInt(header.remaining() + b.remaining()).put(header).put(b);
        return out.array();
    }

    public static ByteBuffer readFrame(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return ByteBuffer.wrap(b);
    }

    /** One request on a fresh connection; the response's accessor is left at the body. */
    static ByteBufferAccessor exchange(int port, ApiKeys api, short version, ApiMessage body) throws IOException {
        try (Socket s = connect(port)) {
            s.getOutputStream().write(frame(api, version, 7, body));
            return receive(s, api, version, 7);
        }
    }

    /** Reads a response, checks its correlation id, and leaves the accessor at the body. */
    public static ByteBufferAccessor receive(Socket s, ApiKeys api, short version, int correlationId)
            throws IOException {
        ByteBufferAccessor r = new ByteBufferAccessor(readFrame(s));
        assertEquals(correlationId, new ResponseHeaderData(r, api.messageType.responseHeaderVersion(version))
                .correlationId());
        return r;
    }
}
