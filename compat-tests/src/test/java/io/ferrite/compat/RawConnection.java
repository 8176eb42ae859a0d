package io.ferrite.compat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * One plaintext connection that sends requests a stock client would never send, in the bytes the pinned
 * kafka-clients' generated classes write, and reads the answers with the same classes. Requests may be
 * pipelined: the broker answers them in order. Only for the pinned client's tests (the generated classes
 * differ between versions).
 */
public final class RawConnection implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int nextCorrelationId = 1;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code host:port}; reads wait at most 30 s. */
    public static RawConnection open(String bootstrap) throws IOException {
        int colon = bootstrap.lastIndexOf(':');
        Socket s = new Socket();
        s.connect(new InetSocketAddress(bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1))),
                10_000);
        s.setSoTimeout(30_000);
        return new RawConnection(s);
    }

    /** Sends a request without waiting for its answer; returns its correlation id for {@link #receive}. */
    public int send(ApiKeys api, short version, ApiMessage body) throws IOException {
        int correlationId = nextCorrelationId++;
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId("raw-compat-test");
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
    public <T extends ApiMessage> T receive(ApiKeys api, short version, int correlationId) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        ByteBufferAccessor accessor = new ByteBufferAccessor(ByteBuffer.wrap(bytes));
        int got = new ResponseHeaderData(accessor, api.responseHeaderVersion(version)).correlationId();
        if (got != correlationId) {
            throw new IllegalStateException("answer to request " + got + " where " + correlationId + " was due");
        }
        ApiMessage response = api.messageType.newResponse();
        response.read(accessor, version);
        return (T) response;
    }

    /** One request and its answer. */
    public <T extends ApiMessage> T exchange(ApiKeys api, short version, ApiMessage body) throws IOException {
        return receive(api, version, send(api, version, body));
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
