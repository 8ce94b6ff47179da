import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { CopyVault } from '../backup';
import type { PlatformConfig } from '../config/types';
import { FailoverSwitch } from '../failover-switch';
import { MediaStorage } from '../media-storage';
import { PlatformNames } from '../names';

/** Properties of {@link StandbyFoundationStack}. */
export interface StandbyFoundationStackProps extends StackProps {
  readonly config: PlatformConfig;
}

/**
 * What us-west-2 must hold before us-east-1 deploys: the keys, the media replica bucket (and, as
 * later tiers arrive, the backup vault) that us-east-1 replicates into, and the failover switch
 * alarm that the primary's Route 53 health check names. Splitting these from the rest of the
 * standby breaks the cycle between S3 replication (standby first) and the database replica
 * (primary first).
 */
export class StandbyFoundationStack extends Stack {
  /** Encrypts the standby's copies of the data: database replica, media replica, backups. */
  readonly dataKey: kms.Key;

  /** Receives the copies of the primary's database backups (when the profile backs up). */
  readonly backupCopyVault?: CopyVault;
  /** The replica of the primary's media bucket; the standby's service uploads into it after a failover. */
  readonly mediaReplica: MediaStorage;

  /** The alarm the failover runbook drives to force the primary origin unhealthy in Route 53. */
  readonly failoverSwitch: FailoverSwitch;

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
    // The same lifecycle as the source: S3 replicates objects and delete markers, not transitions.
    this.mediaReplica = new MediaStorage(this, 'MediaReplica', {
      bucketName: names.mediaBucketName('standby'),
      config: props.config.media,
      encryptionKey: this.dataKey,
    });

    this.failoverSwitch = new FailoverSwitch(this, 'FailoverSwitch', {
      alarmName: names.failoverSwitchAlarmName(),
      metric: names.failoverSwitchMetric(),
    });
  }
}
