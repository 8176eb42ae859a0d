package io.ferrite.bench.abuse;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * One plaintext connection that sends requests no stock client would send (twenty thousand topics in one
 * Metadata request, pipelined fetches it never reads), written and read with kafka-clients' generated message
 * classes. A stock client would refuse to build them, or would read its socket; this one does what it is told.
 */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int nextCorrelationId = 1;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code host:port}; a read waits at most {@code readTimeout}. */
    static RawClient open(String bootstrap, Duration readTimeout) throws IOException {
        Socket s = new Socket();
        s.connect(address(bootstrap), 10_000);
        s.setSoTimeout((int) readTimeout.toMillis());
        return new RawClient(s);
    }

    static InetSocketAddress address(String bootstrap) {
        int colon = bootstrap.lastIndexOf(':');
        return new InetSocketAddress(bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1)));
    }

    /** Sends a request without waiting for its answer; returns its correlation id for {@link #receive}. */
    int send(ApiKeys api, short version, ApiMessage body) throws IOException {
        int correlationId = nextCorrelationId++;
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId("ferrite-abuse");
        ByteBuffer h = serialize(header, api.requestHeaderVersion(version));
        ByteBuffer b = serialize(body, version);
        ByteBuffer frame = ByteBuffer.allocate(4 + h.remaining() + b.remaining());
        frame.putInt(h.remaining() + b.remaining()).put(h).put(b);
        out.write(frame.array());
        out.flush();
        return correlationId;
    }

    /** Reads the next answer, which must be the one to {@code correlationId}. */
    @SuppressWarnings("unchecked")
    <T extends ApiMessage> T receive(ApiKeys api, short version, int correlationId) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        ByteBufferAccessor accessor = new ByteBufferAccessor(ByteBuffer.wrap(bytes));
        int got = new ResponseHeaderData(accessor, api.responseHeaderVersion(version)).correlationId();
        if (got != correlationId) {
            throw new IOException("answer to request " + got + " where " + correlationId + " was due");
        }
        ApiMessage response = api.messageType.newResponse();
        response.read(accessor, version);
        return (T) response;
    }

    private static ByteBuffer serialize(Message m, short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buf = ByteBuffer.allocate(m.size(cache, version));
        m.write(new ByteBufferAccessor(buf), cache, version);
        return buf.flip();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
