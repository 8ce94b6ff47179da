import { type CfnResource, Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { StreamingConfig } from './config/data';

/** The port MSK brokers serve SASL/IAM clients on, over TLS. */
export const KAFKA_IAM_PORT = 9098;

/** Properties of {@link Streaming}. */
export interface StreamingProps {
  /** Sizes, versions and retention (`config.<role>.data.streaming`). */
  readonly config: StreamingConfig;

  /** The region's VPC; brokers go in its private subnets with egress, one per AZ. */
  readonly vpc: ec2.IVpc;

  /** Name of the MSK cluster, deterministic per region. */
  readonly clusterName: string;

  /** Encrypts the broker volumes. */
  readonly encryptionKey: kms.IKey;

  /** Encrypts the broker log group. */
  readonly logsKey: kms.IKey;

  /** Security groups admitted on the SASL/IAM port (the fleet's). */
  readonly clientSecurityGroups: readonly ec2.ISecurityGroup[];
}

/**
 * Amazon MSK (provisioned): brokers spread one per AZ over the private subnets, TLS between
 * clients and brokers and inside the cluster, volumes encrypted with the region's data key, IAM
 * client authentication only, broker logs in CloudWatch Logs, enhanced monitoring, and storage
 * autoscaling that grows every broker's volume before it fills.
 *
 * aws-cdk-lib has no L2 construct for MSK (only the alpha module), so the cluster is the L1
 * `CfnCluster`; storage autoscaling uses the Application Auto Scaling L2.
 */
export class Streaming extends Construct {
  readonly cluster: msk.CfnCluster;
  readonly securityGroup: ec2.SecurityGroup;
  readonly brokerLogGroup: logs.LogGroup;

  /** `host:port,...` of the brokers for SASL/IAM clients, read from MSK at deploy time. */
  readonly bootstrapBrokers: string;

  constructor(scope: Construct, id: string, props: StreamingProps) {
    super(scope, id);
    const { config } = props;
    const subnets = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    validateProps(props, subnets.subnetIds.length);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'MSK brokers: admit the service fleet on the SASL/IAM port',
      allowAllOutbound: false,
    });
    for (const client of props.clientSecurityGroups) {
      this.securityGroup.addIngressRule(client, ec2.Port.tcp(KAFKA_IAM_PORT), 'Kafka SASL/IAM from the service fleet');
    }
    // Brokers replicate partitions to each other over the same ports.
    this.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(KAFKA_IAM_PORT), 'Kafka between brokers');

    this.brokerLogGroup = new logs.LogGroup(this, 'BrokerLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.cluster = new msk.CfnCluster(this, 'Cluster', {
      clusterName: props.clusterName,
      kafkaVersion: config.kafkaVersion,
      numberOfBrokerNodes: config.brokers,
      brokerNodeGroupInfo: {
        instanceType: config.brokerInstanceType,
        clientSubnets: subnets.subnetIds.slice(0, config.subnets),
        securityGroups: [this.securityGroup.securityGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: config.volumeSizeGiB } },
      },
      encryptionInfo: {
        encryptionAtRest: { dataVolumeKmsKeyId: props.encryptionKey.keyArn },
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
      },
      clientAuthentication: {
        sasl: { iam: { enabled: true } },
        unauthenticated: { enabled: false },
      },
      loggingInfo: {
        brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: this.brokerLogGroup.logGroupName } },
      },
      enhancedMonitoring: config.enhancedMonitoring,
    });
    // The brokers hold the event stream the outbox relays; a stack deletion must not drop it.
    this.cluster.applyRemovalPolicy(RemovalPolicy.RETAIN);

    this.addStorageAutoscaling(config);
    this.bootstrapBrokers = this.readBootstrapBrokers(props, config);
  }

  /** ARN of the cluster, for IAM policies of Kafka clients. */
  get clusterArn(): string {
    return this.cluster.attrArn;
  }

  /**
   * IAM resource ARNs that Kafka clients of this cluster act on: the cluster, and its topics and
   * consumer groups, which MSK names `topic/<cluster name>/<cluster uuid>/<topic>`. Both parts are
   * read from the cluster ARN (`cluster/<name>/<uuid>`), so the wildcard never leaves this cluster.
   */
  clientResourceArns(): { cluster: string; topics: string; groups: string } {
    const arn = this.cluster.attrArn;
    const [prefix, path] = [Fn.select(0, Fn.split(':cluster/', arn)), Fn.select(1, Fn.split(':cluster/', arn))];
    const scoped = (type: string) => `${prefix}:${type}/${path}/*`;
    return { cluster: arn, topics: scoped('topic'), groups: scoped('group') };
  }

  private addStorageAutoscaling(config: StreamingConfig): void {
    const target = new appscaling.ScalableTarget(this, 'StorageScaling', {
      serviceNamespace: appscaling.ServiceNamespace.KAFKA,
      scalableDimension: 'kafka:broker-storage:VolumeSize',
      resourceId: this.cluster.attrArn,
      minCapacity: 1,
      maxCapacity: config.maxVolumeSizeGiB,
    });
    target.scaleToTrackMetric('KeepBrokerDiskBelowTarget', {
      predefinedMetric: appscaling.PredefinedMetric.KAFKA_BROKER_STORAGE_UTILIZATION,
      targetValue: config.storageTargetUtilizationPercent,
      // MSK cannot shrink a volume: the policy only ever grows it.
      disableScaleIn: true,
    });
    // Known gap in the linter, not in the template: cfn-lint 1.51 has a schema for scalable
    // targets older than their Tags property, which CloudFormation accepts (CDK's L1 carries it).
    // Only this resource ignores only that check; drop it when cfn-lint knows the property.
    (target.node.defaultChild as CfnResource).addMetadata('cfn-lint', { config: { ignore_checks: ['E3002'] } });
  }

  /**
   * CloudFormation exposes no bootstrap-broker attribute, so one SDK call reads it at deploy time.
   *
   * The call runs in the stack's single AwsCustomResource function, which the OpenSearch domain's
   * own custom resources share; this one comes first in the stack, so its log group is the
   * function's (the default one CDK would make has no key). test/log-groups.test.ts holds it.
   */
  private readBootstrapBrokers(props: StreamingProps, config: StreamingConfig): string {
    const call: cr.AwsSdkCall = {
      service: 'Kafka',
      action: 'getBootstrapBrokers',
      parameters: { ClusterArn: this.cluster.attrArn },
      physicalResourceId: cr.PhysicalResourceId.of(this.cluster.attrArn),
      outputPaths: ['BootstrapBrokerStringSaslIam'],
    };
    const reader = new cr.AwsCustomResource(this, 'BootstrapBrokers', {
      onCreate: call,
      onUpdate: call,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [this.cluster.attrArn] }),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'CustomResourceLogs', {
        retention: config.logRetentionDays as logs.RetentionDays,
        encryptionKey: props.logsKey,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    return reader.getResponseField('BootstrapBrokerStringSaslIam');
  }
}

function validateProps(props: StreamingProps, availableSubnets: number): void {
  const { config } = props;
  if (availableSubnets < config.subnets) {
    throw new Error(
      `Streaming: config.subnets is ${config.subnets} but the VPC has ${availableSubnets} private subnets; ` +
        `allowed: at most ${availableSubnets}`,
    );
  }
  if (config.brokers % config.subnets !== 0) {
    throw new Error(
      `Streaming: config.brokers is ${config.brokers}; allowed: a multiple of config.subnets (${config.subnets}), ` +
        'as MSK places the same number of brokers in every subnet',
    );
  }
}
