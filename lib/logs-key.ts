import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Properties of {@link LogsKey}. */
export interface LogsKeyProps {
  /** Alias of the key, for example `alias/photo-prod/logs`. */
  readonly aliasName: string;
}

/**
 * The customer-managed KMS key that encrypts every CloudWatch Logs log group of one region.
 * The key policy lets CloudWatch Logs in this region use it for log groups of this account only.
 */
export class LogsKey extends Construct {
  readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: LogsKeyProps) {
    super(scope, id);
    const { account, region } = Stack.of(this);

    const key = new kms.Key(this, 'Key', {
      alias: props.aliasName,
      description: 'Encrypts the CloudWatch Logs log groups of the photo platform in this region',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${account}:log-group:*` },
        },
      }),
    );
    this.key = key;
  }
}
