import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import type { SearchConfig } from './config/data';

/** Properties of {@link Search}. */
export interface SearchProps {
  /** Sizes, version, zone layout and retention (`config.<role>.data.search`). */
  readonly config: SearchConfig;

  /** The region's VPC; the domain sits in its isolated subnets, one per AZ. */
  readonly vpc: ec2.IVpc;

  /** Name of the domain, deterministic per region (3 to 28 lowercase letters, digits, hyphens). */
  readonly domainName: string;

  /** Encrypts the domain's data at rest. */
  readonly encryptionKey: kms.IKey;

  /** Encrypts the slow and error log groups. */
  readonly logsKey: kms.IKey;

  /** Security groups admitted on HTTPS (the fleet's). */
  readonly clientSecurityGroups: readonly ec2.ISecurityGroup[];

  /**
   * The IAM principal that is the fine-grained access control master user: the service fleet's
   * role, which creates and writes its indexes. Given as an ARN so the domain can be declared
   * before the fleet that reads its endpoint.
   */
  readonly masterUserArn: string;
}

/**
 * Amazon OpenSearch Service inside the VPC: dedicated masters, data nodes spread over the AZs with
 * zone awareness, encryption at rest with the region's data key and between nodes, HTTPS only
 * with TLS 1.2 or newer, fine-grained access control with an IAM master user, and the slow-search,
 * slow-index and error logs in encrypted CloudWatch Logs groups.
 *
 * Multi-AZ with Standby is written explicitly from config (`SearchConfig.multiAzWithStandby`):
 * new CDK apps turn it on by default, and it needs a data-node count divisible by 3.
 *
 * Deploying a VPC domain needs the `AWSServiceRoleForAmazonOpenSearchService` service-linked
 * role in the account; OpenSearch Service creates it on first use from the console, and
 * `aws iam create-service-linked-role --aws-service-name opensearchservice.amazonaws.com` creates
 * it from a shell (README, Deploy).
 */
export class Search extends Construct {
  readonly domain: opensearch.Domain;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: SearchProps) {
    super(scope, id);
    const { config } = props;
    const subnets = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    validateProps(props, subnets.subnets.length);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'OpenSearch: admits the service fleet on HTTPS',
      allowAllOutbound: false,
    });
    for (const client of props.clientSecurityGroups) {
      this.securityGroup.addIngressRule(client, ec2.Port.tcp(443), 'OpenSearch HTTPS from the service fleet');
    }

    const logGroup = (logId: string) =>
      new logs.LogGroup(this, logId, {
        retention: config.logRetentionDays as logs.RetentionDays,
        encryptionKey: props.logsKey,
        removalPolicy: RemovalPolicy.RETAIN,
      });

    this.domain = new opensearch.Domain(this, 'Domain', {
      domainName: props.domainName,
      version: opensearch.EngineVersion.openSearch(config.engineVersion.replace(/^OpenSearch_/, '')),
      vpc: props.vpc,
      // One subnet per AZ the data nodes spread over.
      vpcSubnets: [{ subnets: subnets.subnets.slice(0, config.availabilityZones) }],
      securityGroups: [this.securityGroup],
      capacity: {
        dataNodes: config.dataNodes,
        dataNodeInstanceType: config.dataNodeInstanceType,
        masterNodes: config.masterNodes,
        masterNodeInstanceType: config.masterNodeInstanceType,
        multiAzWithStandbyEnabled: config.multiAzWithStandby,
      },
      zoneAwareness: { enabled: true, availabilityZoneCount: config.availabilityZones },
      ebs: { volumeSize: config.volumeSizeGiB, volumeType: ec2.EbsDeviceVolumeType.GP3 },
      encryptionAtRest: { enabled: true, kmsKey: props.encryptionKey },
      nodeToNodeEncryption: true,
      enforceHttps: true,
      tlsSecurityPolicy: opensearch.TLSSecurityPolicy.TLS_1_2_PFS,
      fineGrainedAccessControl: { masterUserArn: props.masterUserArn },
      // Only signed requests of the master user reach the domain; fine-grained access control
      // then decides per index. The ARN is built from the name, as the domain cannot name itself.
      accessPolicies: [
        new iam.PolicyStatement({
          principals: [new iam.ArnPrincipal(props.masterUserArn)],
          actions: ['es:ESHttp*'],
          resources: [
            Stack.of(this).formatArn({ service: 'es', resource: 'domain', resourceName: `${props.domainName}/*` }),
          ],
        }),
      ],
      logging: {
        slowSearchLogEnabled: true,
        slowSearchLogGroup: logGroup('SlowSearchLogs'),
        slowIndexLogEnabled: true,
        slowIndexLogGroup: logGroup('SlowIndexLogs'),
        appLogEnabled: true,
        appLogGroup: logGroup('ErrorLogs'),
      },
      // The index can be rebuilt from PostgreSQL, but a rebuild of every post takes hours: keep it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The domain's HTTPS endpoint, as the service's `OPENSEARCH_ENDPOINT`. */
  get endpoint(): string {
    return `https://${this.domain.domainEndpoint}`;
  }

  /** Lets `grantee` read and write the domain's indexes over HTTPS. */
  grantReadWrite(grantee: iam.IGrantable): void {
    this.domain.grantReadWrite(grantee);
  }
}

function validateProps(props: SearchProps, isolatedSubnets: number): void {
  const { config } = props;
  if (isolatedSubnets < config.availabilityZones) {
    throw new Error(
      `Search: config.availabilityZones is ${config.availabilityZones} but the VPC has ${isolatedSubnets} isolated ` +
        `subnets; allowed: at most ${isolatedSubnets} (one subnet per AZ)`,
    );
  }
  if (!/^[a-z][a-z0-9-]{2,27}$/.test(props.domainName)) {
    throw new Error(
      `Search: domainName is ${JSON.stringify(props.domainName)}; allowed: 3 to 28 characters, lowercase letters, ` +
        'digits and hyphens, starting with a letter',
    );
  }
}
