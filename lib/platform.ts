import { type App, Tags } from 'aws-cdk-lib';
import type { PlatformConfig } from './config/types';
import { PlatformNames } from './names';
import { EdgeStack } from './stacks/edge-stack';
import { RegionalStack } from './stacks/regional-stack';
import { StandbyFoundationStack } from './stacks/standby-foundation-stack';

/** The stacks of one deployment, in deploy order. */
export interface Platform {
  readonly standbyFoundation: StandbyFoundationStack;
  readonly primary: RegionalStack;
  readonly standby: RegionalStack;
  readonly edge: EdgeStack;
}

/**
 * Creates every stack of the deployment described by `config` in `app`.
 *
 * Deploy order, expressed as stack dependencies:
 * 1. standby foundation (us-west-2): keys and replication targets that us-east-1 writes into;
 * 2. primary (us-east-1);
 * 3. standby (us-west-2): its database replica follows the primary;
 * 4. edge (us-east-1): CloudFront, WAF and DNS in front of both regions.
 *
 * No us-west-2 stack takes a reference to a us-east-1 resource: cross-region values are rebuilt
 * from `PlatformNames`, so the standby deploys and runs while us-east-1 is down.
 */
export function createPlatform(app: App, config: PlatformConfig): Platform {
  const names = new PlatformNames(config);
  const env = (role: 'primary' | 'standby') => ({ account: config.account, region: config.regions[role].region });

  const standbyFoundation = new StandbyFoundationStack(app, 'StandbyFoundation', {
    stackName: names.stackName('standby-foundation'),
    description: 'photo-platform: standby-region keys and replication targets (deploy first)',
    env: env('standby'),
    config,
  });

  const primary = new RegionalStack(app, 'Primary', {
    stackName: names.stackName('primary'),
    description: 'photo-platform: primary region, serving all traffic',
    env: env('primary'),
    config,
    role: 'primary',
  });
  primary.addStackDependency(standbyFoundation, 'S3 replication and backup copies target the standby foundation');

  const standby = new RegionalStack(app, 'Standby', {
    stackName: names.stackName('standby'),
    description: 'photo-platform: warm standby region',
    env: env('standby'),
    config,
    role: 'standby',
    dataKey: standbyFoundation.dataKey,
  });
  standby.addStackDependency(standbyFoundation, 'the standby encrypts with the foundation keys');
  standby.addStackDependency(primary, 'the cross-region database replica follows the primary');

  const edge = new EdgeStack(app, 'Edge', {
    stackName: names.stackName('edge'),
    description: 'photo-platform: CloudFront, WAF and Route 53 in front of both regions',
    env: env('primary'),
    config,
  });
  edge.addStackDependency(primary, 'the edge routes to the primary origin');
  edge.addStackDependency(standby, 'the edge fails over to the standby origin');

  for (const stack of [standbyFoundation, primary, standby, edge]) {
    Tags.of(stack).add('project', 'photo-platform');
    Tags.of(stack).add('profile', config.profile);
  }

  return { standbyFoundation, primary, standby, edge };
}
