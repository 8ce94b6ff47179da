import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Construct ids of the stacks, as `createPlatform` names them. */
export type StackId = 'StandbyFoundation' | 'Primary' | 'Standby' | 'Edge';

/** One reviewed exception to the AwsSolutions pack. */
export interface NagAcknowledgement {
  /** The stacks holding the construct. */
  readonly stacks: readonly StackId[];

  /** Construct path inside the stack of the resource (or the L2 construct that owns it). */
  readonly path: string;

  /**
   * The rule id, narrowed to one finding where the rule reports several, for example
   * `AwsSolutions-IAM5[Resource::*]`.
   */
  readonly id: string;

  /** Why the finding is acceptable here; reviewed with every change to this list. */
  readonly reason: string;
}

/**
 * Every acknowledged cdk-nag finding of the platform, in one reviewed place.
 *
 * Each entry names one construct, never a whole stack, so that a new resource breaking the same
 * rule is reported. `test/nag.test.ts` pins the full list of raw findings these entries cover.
 */
export const NAG_ACKNOWLEDGEMENTS: readonly NagAcknowledgement[] = [];

/**
 * Records each acknowledgement on its construct. Throws when an entry names a construct that does
 * not exist, so that the list cannot keep stale exceptions.
 */
export function acknowledgeNagFindings(app: IConstruct, acknowledgements = NAG_ACKNOWLEDGEMENTS): void {
  for (const ack of acknowledgements) {
    for (const stackId of ack.stacks) {
      const target = findByPath(app, `${stackId}/${ack.path}`);
      if (!target) {
        throw new Error(
          `cdk-nag acknowledgement ${ack.id} names ${stackId}/${ack.path}, which does not exist; ` +
            'update lib/nag-acknowledgements.ts',
        );
      }
      Validations.of(target).acknowledge({ id: ack.id, reason: ack.reason });
    }
  }
}

function findByPath(root: IConstruct, path: string): IConstruct | undefined {
  let current: IConstruct | undefined = root;
  for (const part of path.split('/')) {
    current = current?.node.tryFindChild(part);
  }
  return current;
}
