package io.ferrite.server.admin;

import io.ferrite.server.metadata.BrokerEndpoints;
import io.ferrite.server.metadata.ClusterIdentity;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.server.security.AuthorizedOperations;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.EndpointType;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeCluster v0-2: the cluster id, and this broker as the only broker, never fenced (so v2's
 * includeFencedBrokers changes nothing). A Kafka broker
 * names a live broker as the controller (clients cannot reach the real controllers through it); here that
 * is this broker. Only the broker endpoint type is served: asking this endpoint for controllers is
 * MISMATCHED_ENDPOINT_TYPE, an unknown type UNSUPPORTED_ENDPOINT_TYPE.
 */
final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequestData> {
    private final ClusterIdentity identity;
    private final BrokerEndpoints endpoints;
    private final String rack;

    DescribeClusterHandler(ClusterIdentity identity, BrokerEndpoints endpoints, String rack) {
        this.identity = identity;
        this.endpoints = endpoints;
        this.rack = rack;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeClusterRequestData req) {
        return CompletableFuture.completedFuture(answer(req, endpoints.of(context.listener())));
    }

    private DescribeClusterResponseData answer(DescribeClusterRequestData req, BrokerEndpoints.Endpoint at) {
        EndpointType asked = EndpointType.fromId(req.endpointType());
        if (asked != EndpointType.BROKER) { // only v1 and later can ask for another type
            Errors error = asked == EndpointType.UNKNOWN ? Errors.UNSUPPORTED_ENDPOINT_TYPE
                    : Errors.MISMATCHED_ENDPOINT_TYPE;
            return new DescribeClusterResponseData().setErrorCode(error.code())
                    .setErrorMessage(asked == EndpointType.UNKNOWN ? "endpoint type " + req.endpointType()
                            + " is unknown" : "this is a broker endpoint; controllers are not reachable here");
        }
        DescribeClusterResponseData.DescribeClusterBrokerCollection brokers =
                new DescribeClusterResponseData.DescribeClusterBrokerCollection();
        brokers.add(new DescribeClusterBroker().setBrokerId(identity.nodeId()).setHost(at.host())
                .setPort(at.port()).setRack(rack).setIsFenced(false));
        return new DescribeClusterResponseData().setClusterId(identity.clusterId())
                .setControllerId(identity.nodeId()).setBrokers(brokers)
                .setEndpointType(EndpointType.BROKER.id())
                .setClusterAuthorizedOperations(req.includeClusterAuthorizedOperations()
                        ? AuthorizedOperations.CLUSTER : AuthorizedOperations.NOT_ASKED);
    }
}
