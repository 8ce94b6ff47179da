import { ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { Type } from 'typebox';
import { send } from './shared/aws';
import { describeDatabase } from './shared/database';
import { UnexpectedStateError } from './shared/errors';
import { CommonFields, Fields } from './shared/event';
import { defineStep } from './shared/step';

const rds = new RDSClient({});

const EnableMultiAzEvent = Type.Object(
  {
    ...CommonFields,
    dbInstanceIdentifier: Fields.name('the identifier of the promoted standby database instance'),
  },
  { additionalProperties: false },
);

/**
 * Multi-AZ on: ModifyDBInstance with MultiAZ and ApplyImmediately, so the new primary survives
 * the loss of an AZ of its region. RDS adds the standby online (the instance stays available), so
 * the runbook does not wait for it. Sends nothing when Multi-AZ is on or already pending; an
 * instance in a state that refuses the change (InvalidDBInstanceState) is retried by the state
 * machine as `ResourceBusy`.
 */
export const handler = defineStep('enable-multi-az', EnableMultiAzEvent, async (event) => {
  const id = event.dbInstanceIdentifier;
  const db = await describeDatabase(rds, id);

  if (db.multiAz || db.multiAzPending) {
    return {
      action: 'unchanged',
      summary: `${id} Multi-AZ already ${db.multiAz ? 'on' : 'being applied'}`,
      details: { multiAz: db.multiAz, multiAzPending: db.multiAzPending, status: db.status },
    };
  }
  if (event.dryRun) {
    return {
      action: 'planned',
      summary: `would turn Multi-AZ on for ${id}${db.replicaSource ? ' once it is promoted' : ''}`,
      details: { multiAz: false, multiAzPending: false, status: db.status },
    };
  }
  if (db.replicaSource) {
    throw new UnexpectedStateError(
      `${id} is still a replica of ${db.replicaSource}; Multi-AZ is turned on after promotion`,
    );
  }

  await send(`ModifyDBInstance ${id} MultiAZ=true`, () =>
    rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, MultiAZ: true, ApplyImmediately: true })),
  );
  return {
    action: 'changed',
    summary: `requested Multi-AZ for ${id}`,
    details: { multiAz: false, multiAzPending: true, status: db.status },
  };
});
