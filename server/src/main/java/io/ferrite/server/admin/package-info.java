/**
 * Topic, config and cluster APIs: Metadata, CreateTopics, DeleteTopics, CreatePartitions,
 * DescribeTopicPartitions, DescribeCluster, DescribeConfigs, AlterConfigs and IncrementalAlterConfigs, and
 * how configs are described. Reads run on network threads; changes to the registry on {@code ferrite-admin}.
 * {@link io.ferrite.server.admin.AdminApis#register} is the way in.
 */
package io.ferrite.server.admin;
