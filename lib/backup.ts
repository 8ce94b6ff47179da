import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { type BackupConfig, backupStartHours } from './config/data';

/** Grace period of a compliance-mode Vault Lock, during which the lock can still be removed. */
export const VAULT_LOCK_GRACE_DAYS = 3;

/** Properties of {@link DatabaseBackup}. */
export interface DatabaseBackupProps {
  /** The schedule, windows, retention and lock (`config.primary.data.backup`). */
  readonly config: BackupConfig;

  /** The database instance to back up. */
  readonly database: rds.IDatabaseInstance;

  /** Name of this region's vault (`PlatformNames.backupVaultName`). */
  readonly vaultName: string;

  /** Encrypts this region's vault. */
  readonly encryptionKey: kms.IKey;

  /**
   * ARN of the vault in the standby region that receives a copy of every recovery point, built
   * from its deterministic name (`PlatformNames.backupVaultArn`), never imported.
   */
  readonly copyVaultArn: string;
}

/**
 * AWS Backup for the database: a snapshot every `intervalHours`, each kept `retentionDays` in this
 * region's vault and copied into the standby region's vault for as long. This comes on top of
 * RDS's own daily automated backups and transaction logs (point-in-time recovery).
 */
export class DatabaseBackup extends Construct {
  readonly vault: backup.BackupVault;
  readonly plan: backup.BackupPlan;

  constructor(scope: Construct, id: string, props: DatabaseBackupProps) {
    super(scope, id);
    const { config } = props;

    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: props.vaultName,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const retention = Duration.days(config.retentionDays);
    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: `Every${config.intervalHours}Hours`,
          scheduleExpression: events.Schedule.cron({
            minute: '0',
            hour: backupStartHours(config).join(','),
          }),
          startWindow: Duration.minutes(config.startWindowMinutes),
          completionWindow: Duration.minutes(config.completionWindowMinutes),
          deleteAfter: retention,
          copyActions: [
            {
              destinationBackupVault: backup.BackupVault.fromBackupVaultArn(this, 'CopyVault', props.copyVaultArn),
              deleteAfter: retention,
            },
          ],
        }),
      ],
    });
    this.plan.addSelection('Database', {
      resources: [backup.BackupResource.fromRdsDatabaseInstance(props.database)],
    });
  }
}

/** Properties of {@link CopyVault}. */
export interface CopyVaultProps {
  /** The retention and lock of the recovery points copied in (`config.primary.data.backup`). */
  readonly config: BackupConfig;

  /** Name of the vault (`PlatformNames.backupVaultName('standby')`). */
  readonly vaultName: string;

  /** Encrypts the vault; a key of the vault's own region. */
  readonly encryptionKey: kms.IKey;
}

/**
 * The standby region's vault that receives the primary's copies. With `vaultLock: compliance`,
 * recovery points cannot be deleted or shortened before their retention ends, by anyone, once
 * the {@link VAULT_LOCK_GRACE_DAYS}-day grace period after deployment is over.
 */
export class CopyVault extends Construct {
  readonly vault: backup.BackupVault;

  constructor(scope: Construct, id: string, props: CopyVaultProps) {
    super(scope, id);
    const { config } = props;

    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: props.vaultName,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
      lockConfiguration:
        config.vaultLock === 'compliance'
          ? {
              minRetention: Duration.days(config.retentionDays),
              changeableFor: Duration.days(VAULT_LOCK_GRACE_DAYS),
            }
          : undefined,
    });
  }
}
