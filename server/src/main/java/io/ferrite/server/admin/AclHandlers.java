package io.ferrite.server.admin;

import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.server.security.Authorization;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreateAclsResponseData.AclCreationResult;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsRequestData.DeleteAclsFilter;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsResponse;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.server.authorizer.AclCreateResult;
import org.apache.kafka.server.authorizer.AclDeleteResult;
import org.apache.kafka.server.authorizer.Authorizer;

/**
 * DescribeAcls, CreateAcls and DeleteAcls ({@code kafka-acls.sh}), on the broker's authorizer as Kafka's broker
 * serves them: without an authorizer SECURITY_DISABLED; a CLUSTER ACL on another name than kafka-cluster, or
 * one without a resource name, refused with INVALID_REQUEST before the authorizer sees it; the rest checked and
 * kept by the authorizer (with Kafka's StandardAuthorizer, by {@code AclStore}). Create and delete run on the
 * admin thread.
 */
final class AclHandlers {
    private final Authorization authorization;

    AclHandlers(Authorization authorization) {
        this.authorization = authorization;
    }

    ApiHandler<DescribeAclsRequestData> describe() {
        return (RequestContext c, DescribeAclsRequestData r) -> {
            DescribeAclsResponseData response = new DescribeAclsResponseData();
            Authorizer authorizer = authorization.authorizer();
            if (authorizer == null) {
                return done(response.setErrorCode(Errors.SECURITY_DISABLED.code())
                        .setErrorMessage("No Authorizer is configured on the broker"));
            }
            AclBindingFilter filter = new AclBindingFilter(
                    new ResourcePatternFilter(ResourceType.fromCode(r.resourceTypeFilter()), r.resourceNameFilter(),
                            PatternType.fromCode(r.patternTypeFilter())),
                    new AccessControlEntryFilter(r.principalFilter(), r.hostFilter(),
                            AclOperation.fromCode(r.operation()), AclPermissionType.fromCode(r.permissionType())));
            if (filter.isUnknown()) {
                return done(response.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Filter contain UNKNOWN elements"));
            }
            return done(response.setResources(DescribeAclsResponse.aclsResources(authorizer.acls(filter))));
        };
    }

    ApiHandler<CreateAclsRequestData> create() {
        return (RequestContext c, CreateAclsRequestData r) -> {
            Authorizer authorizer = authorization.authorizer();
            if (authorizer == null) {
                return CompletableFuture.failedFuture(new SecurityDisabledException("No Authorizer is configured."));
            }
            List<AclBinding> all = new ArrayList<>();
            List<ApiError> refused = new ArrayList<>();
            List<AclBinding> valid = new ArrayList<>();
            for (CreateAclsRequestData.AclCreation creation : r.creations()) {
                AclBinding binding;
                try {
                    binding = CreateAclsRequest.aclBinding(creation);
                } catch (IllegalArgumentException e) { // an unknown type code
                    all.add(null);
                    refused.add(new ApiError(Errors.INVALID_REQUEST, e.getMessage()));
                    continue;
                }
                all.add(binding);
                if (binding.pattern().resourceType() == ResourceType.CLUSTER
                        && !binding.pattern().name().equals("kafka-cluster")) {
                    refused.add(new ApiError(Errors.INVALID_REQUEST,
                            "The only valid name for the CLUSTER resource is kafka-cluster"));
                } else if (binding.pattern().name().isEmpty()) {
                    refused.add(new ApiError(Errors.INVALID_REQUEST, "Invalid empty resource name"));
                } else {
                    refused.add(null);
                    valid.add(binding);
                }
            }
            List<CompletableFuture<AclCreateResult>> results = authorizer.createAcls(c, valid).stream()
                    .map(CompletionStage::toCompletableFuture).toList();
            return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(x -> {
                CreateAclsResponseData response = new CreateAclsResponseData();
                int next = 0;
                for (int i = 0; i < all.size(); i++) {
                    ApiError error = refused.get(i);
                    if (error == null) {
                        error = results.get(next++).join().exception().map(ApiError::fromThrowable)
                                .orElse(ApiError.NONE);
                    }
                    response.results().add(new AclCreationResult().setErrorCode(error.error().code())
                            .setErrorMessage(error.isFailure() ? error.message() : null));
                }
                return response;
            });
        };
    }

    ApiHandler<DeleteAclsRequestData> delete() {
        return (RequestContext c, DeleteAclsRequestData r) -> {
            Authorizer authorizer = authorization.authorizer();
            if (authorizer == null) {
                return CompletableFuture.failedFuture(new SecurityDisabledException("No Authorizer is configured."));
            }
            List<AclBindingFilter> filters = new ArrayList<>();
            for (DeleteAclsFilter f : r.filters()) {
                filters.add(new AclBindingFilter(
                        new ResourcePatternFilter(ResourceType.fromCode(f.resourceTypeFilter()), f.resourceNameFilter(),
                                PatternType.fromCode(f.patternTypeFilter())),
                        new AccessControlEntryFilter(f.principalFilter(), f.hostFilter(),
                                AclOperation.fromCode(f.operation()), AclPermissionType.fromCode(f.permissionType()))));
            }
            List<CompletableFuture<AclDeleteResult>> results = authorizer.deleteAcls(c, filters).stream()
                    .map(CompletionStage::toCompletableFuture).toList();
            return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(x ->
                    new DeleteAclsResponseData().setFilterResults(results.stream()
                            .map(f -> DeleteAclsResponse.filterResult(f.join())).toList()));
        };
    }

    private static CompletableFuture<ApiMessage> done(ApiMessage response) {
        return CompletableFuture.completedFuture(response);
    }
}
