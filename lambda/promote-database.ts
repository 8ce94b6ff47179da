import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { PromoteReadReplicaCommand, RDSClient } from '@aws-sdk/client-rds';
import { Type } from 'typebox';
import { send } from './shared/aws';
import { describeDatabase, type ReplicaLag, readReplicaLag } from './shared/database';
import { ResourceBusyError } from './shared/errors';
import { CommonFields, Fields } from './shared/event';
import { defineStep, logger } from './shared/step';

const rds = new RDSClient({});
const cloudwatch = new CloudWatchClient({});

const PromoteDatabaseEvent = Type.Object(
  {
    ...CommonFields,
    dbInstanceIdentifier: Fields.name('the identifier of the standby read replica, such as photo-prod-db-standby'),
    backupRetentionDays: Fields.integer(1, 35, ' (days of automated backups the promoted instance keeps)'),
  },
  { additionalProperties: false },
);

export interface PromoteDatabaseDetails {
  readonly status: string;
  /** PromoteReadReplica has been sent (now or by an earlier run), or the instance is already standalone. */
  readonly promotionRequested: boolean;
  /** Replica lag just before the promotion: the data the promotion may lose, the observed RPO. */
  readonly lagAtPromotion: ReplicaLag | null;
}

/**
 * Promote the database: PromoteReadReplica on the standby replica with a backup retention. An
 * instance that is already standalone counts as done, and a replica that is busy (modifying,
 * backing up) is left for the state machine to come back to, so the call is sent at most once.
 * The lag read just before promoting is the observed RPO.
 */
export const handler = defineStep<typeof PromoteDatabaseEvent, PromoteDatabaseDetails>(
  'promote-database',
  PromoteDatabaseEvent,
  async (event) => {
    const id = event.dbInstanceIdentifier;
    const db = await describeDatabase(rds, id);

    if (!db.replicaSource) {
      return {
        action: 'unchanged',
        summary: `${id} is already standalone (${db.status})`,
        details: { status: db.status, promotionRequested: true, lagAtPromotion: null } satisfies PromoteDatabaseDetails,
      };
    }
    if (db.status !== 'available') {
      return {
        action: 'pending',
        summary: `${id} is a replica of ${db.replicaSource} and ${db.status}; promotion waits until it is available`,
        details: {
          status: db.status,
          promotionRequested: false,
          lagAtPromotion: null,
        } satisfies PromoteDatabaseDetails,
      };
    }

    const lag = await readReplicaLag(cloudwatch, id);
    const lagText = lag.seconds === null ? 'lag unknown' : `lag ${lag.seconds} s`;
    if (event.dryRun) {
      return {
        action: 'planned',
        summary: `would promote ${id} (replica of ${db.replicaSource}, ${lagText}) with ${event.backupRetentionDays} days of backups`,
        details: { status: db.status, promotionRequested: false, lagAtPromotion: lag } satisfies PromoteDatabaseDetails,
      };
    }

    try {
      await send(`PromoteReadReplica ${id}`, () =>
        rds.send(
          new PromoteReadReplicaCommand({ DBInstanceIdentifier: id, BackupRetentionPeriod: event.backupRetentionDays }),
        ),
      );
    } catch (error) {
      // The instance changed state between DescribeDBInstances and the call (a promotion another run
      // started, a maintenance action): the check step looks again rather than promoting twice.
      if (error instanceof ResourceBusyError) {
        logger.warn('replica busy at promotion', { reason: error.message });
        return {
          action: 'pending',
          summary: `${id} became busy before promotion: ${error.message}`,
          details: { status: 'busy', promotionRequested: false, lagAtPromotion: lag } satisfies PromoteDatabaseDetails,
        };
      }
      throw error;
    }
    return {
      action: 'changed',
      summary: `promoted ${id} (was a replica of ${db.replicaSource}, ${lagText})`,
      details: { status: 'modifying', promotionRequested: true, lagAtPromotion: lag } satisfies PromoteDatabaseDetails,
    };
  },
);
