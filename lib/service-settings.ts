import { RemovalPolicy } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { RegionRole } from './config/types';

/** Properties of {@link ServiceSettings}. */
export interface ServiceSettingsProps {
  /** `primary` creates the JWT signing key and replicates it; `standby` uses the replica. */
  readonly role: RegionRole;

  /** Secrets Manager name of the JWT signing key, the same in both regions (`PlatformNames.jwtSecretName`). */
  readonly jwtSecretName: string;

  /** Region the primary replicates the JWT signing key to; required for the primary. */
  readonly standbyRegion?: string;

  /** Name of the write-switch SSM parameter (`PlatformNames.writeSwitchParameterName`). */
  readonly writeSwitchParameterName: string;
}

/**
 * Settings the service reads at run time that no data tier owns: the JWT signing key (a generated
 * secret) and the write switch (`on`/`off`) the failover runbook flips to fence writes.
 *
 * The signing key lives in the primary region and is replicated to the standby under the same
 * name, so a user's token stays valid after failover; the standby refers to the replica by name
 * and never imports a value from us-east-1.
 */
export class ServiceSettings extends Construct {
  /** The JWT signing key of this region (the primary's secret, or its replica in the standby). */
  readonly jwtSecret: secretsmanager.ISecret;

  /** The write switch of this region: `on` when created; the failover runbook sets it. */
  readonly writeSwitch: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: ServiceSettingsProps) {
    super(scope, id);
    if (props.role === 'primary' && !props.standbyRegion) {
      throw new Error('ServiceSettings: standbyRegion is required for the primary role (the JWT key replicates there)');
    }

    if (props.role === 'primary') {
      this.jwtSecret = new secretsmanager.Secret(this, 'JwtSigningKey', {
        secretName: props.jwtSecretName,
        description: 'HMAC key that signs the photo API JWTs; replicated to the standby region',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        replicaRegions: [{ region: props.standbyRegion as string }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
    } else {
      this.jwtSecret = secretsmanager.Secret.fromSecretNameV2(this, 'JwtSigningKey', props.jwtSecretName);
    }

    // CloudFormation writes `on` at creation only; a later deploy leaves the runbook's value alone
    // because the template's value does not change.
    this.writeSwitch = new ssm.StringParameter(this, 'WriteSwitch', {
      parameterName: props.writeSwitchParameterName,
      description: 'Whether the photo API accepts writes in this region (on/off); flipped by the failover runbook',
      stringValue: 'on',
      allowedPattern: '^(on|off)$',
    });
  }
}
