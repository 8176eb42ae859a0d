package io.ferrite.server.admin;

import io.ferrite.server.metadata.BrokerEndpoints;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

/**
 * FindCoordinator: this broker coordinates every group and every transactional id. Share keys are not served
 * yet and are answered with a non-retriable INVALID_REQUEST, so a client fails at once instead of retrying
 * until its timeout. Before v4 one key is asked for and answered at the top level; from v4 a list.
 */
final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequestData> {
    private final int nodeId;
    private final BrokerEndpoints endpoints;

    FindCoordinatorHandler(int nodeId, BrokerEndpoints endpoints) {
        this.nodeId = nodeId;
        this.endpoints = endpoints;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, FindCoordinatorRequestData req) {
        FindCoordinatorResponseData resp = new FindCoordinatorResponseData();
        boolean served = req.keyType() == CoordinatorType.GROUP.id() || req.keyType() == CoordinatorType.TRANSACTION.id();
        String message = served ? null : "coordinator type " + req.keyType() + " is not supported";
        BrokerEndpoints.Endpoint at = endpoints.of(context.listener());
        String host = at.host();
        int port = at.port();
        if (context.apiVersion() < 4) {
            return CompletableFuture.completedFuture(served
                    ? resp.setNodeId(nodeId).setHost(host).setPort(port)
                    : resp.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(message).setNodeId(-1)
                            .setHost("").setPort(-1));
        }
        for (String key : req.coordinatorKeys()) {
            Coordinator c = new Coordinator().setKey(key);
            resp.coordinators().add(served ? c.setNodeId(nodeId).setHost(host).setPort(port)
                    : c.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(message).setNodeId(-1)
                            .setHost("").setPort(-1));
        }
        return CompletableFuture.completedFuture(resp);
    }
}
