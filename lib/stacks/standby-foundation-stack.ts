import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { CopyVault } from '../backup';
import type { PlatformConfig } from '../config/types';
import { PlatformNames } from '../names';

/** Properties of {@link StandbyFoundationStack}. */
export interface StandbyFoundationStackProps extends StackProps {
  readonly config: PlatformConfig;
}

/**
 * What us-west-2 must hold before us-east-1 deploys: the keys (and, as later tiers arrive, the
 * replica bucket and the backup vault) that us-east-1 replicates into. Splitting these from the
 * rest of the standby breaks the cycle between S3 replication (standby first) and the database
 * replica (primary first).
 */
export class StandbyFoundationStack extends Stack {
  /** Encrypts the standby's copies of the data: database replica, media replica, backups. */
  readonly dataKey: kms.Key;

  /** Receives the copies of the primary's database backups (when the profile backs up). */
  readonly backupCopyVault?: CopyVault;

  constructor(scope: Construct, id: string, props: StandbyFoundationStackProps) {
    super(scope, id, props);
    const names = new PlatformNames(props.config);

    this.dataKey = new kms.Key(this, 'DataKey', {
      alias: names.dataKeyAlias(),
      description: 'Encrypts the standby region copies of the photo platform data',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const backup = props.config.primary.data.backup;
    if (backup) {
      this.backupCopyVault = new CopyVault(this, 'BackupCopyVault', {
        config: backup,
        vaultName: names.backupVaultName('standby'),
        encryptionKey: this.dataKey,
      });
    }
  }
}
