import type { Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../lib/config/load';
import { NAG_ACKNOWLEDGEMENTS, nagFindingId } from '../lib/nag-acknowledgements';
import { PlatformNames } from '../lib/names';
import { buildPlatform, CDK_JSON_CONTEXT, platformFor } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

/** `constructPath ruleId` of every AwsSolutions finding in `stacks`. */
function findings(stacks: readonly Stack[]): string[] {
  return stacks
    .flatMap((stack) =>
      new AwsSolutionsChecks()
        .validateScope(stack)
        .violations.flatMap((violation) =>
          violation.violatingResources.map((resource) => `${resource.constructPath} ${violation.ruleName}`),
        ),
    )
    .sort();
}

/**
 * The raw findings (before acknowledgement) that `lib/nag-acknowledgements.ts` covers, pinned:
 * a new finding changes this list even where an old acknowledgement would hide it.
 */
const FLEET_FINDINGS = [
  'Primary/Fleet/AccessLogs/Resource AwsSolutions-S1',
  'Primary/Fleet/InstanceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Primary/Fleet/InstanceRole/Resource AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
  'Primary/Fleet/LoadBalancer/SecurityGroup/Resource AwsSolutions-EC23',
  'Primary/OriginVerify/Secret/Resource AwsSolutions-SMG4',
  'Primary/ServiceSettings/JwtSigningKey/Resource AwsSolutions-SMG4',
  'Standby/Fleet/AccessLogs/Resource AwsSolutions-S1',
  'Standby/Fleet/InstanceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Standby/Fleet/InstanceRole/Resource AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
  'Standby/Fleet/LoadBalancer/SecurityGroup/Resource AwsSolutions-EC23',
];

/** Findings of MSK, OpenSearch and AWS Backup, the same in both profiles. */
const STREAMING_SEARCH_BACKUP_FINDINGS = [
  'Primary/AWS679f53fac002430cb0da5b7982bd2287/ServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Action::kms:Describe*]',
  'Primary/AWS679f53fac002430cb0da5b7982bd2287/ServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Action::kms:List*]',
  'Primary/AWS679f53fac002430cb0da5b7982bd2287/ServiceRole/Resource AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'Primary/DatabaseBackup/Plan/Database/Role/Resource AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
  'Primary/Fleet/InstanceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<SearchDomain62FD613E.Arn>/*]',
  'Primary/Fleet/InstanceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::{"Fn::Select":[0,{"Fn::Split":[":cluster/",{"Fn::GetAtt":["StreamingClusterB09DA440","Arn"]}]}]}:topic/{"Fn::Select":[1,{"Fn::Split":[":cluster/",{"Fn::GetAtt":["StreamingClusterB09DA440","Arn"]}]}]}/*]',
  'Primary/Search/Domain/ESLogGroupPolicyc8f095195631cf3f14a59e778e247b71a40f8c7b5c/CustomResourcePolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Primary/Search/Domain/Resource AwsSolutions-OS3',
  'Standby/AWS679f53fac002430cb0da5b7982bd2287/ServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Action::kms:Describe*]',
  'Standby/AWS679f53fac002430cb0da5b7982bd2287/ServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Action::kms:List*]',
  'Standby/AWS679f53fac002430cb0da5b7982bd2287/ServiceRole/Resource AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'Standby/Fleet/InstanceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<SearchDomain62FD613E.Arn>/*]',
  'Standby/Fleet/InstanceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::{"Fn::Select":[0,{"Fn::Split":[":cluster/",{"Fn::GetAtt":["StreamingClusterB09DA440","Arn"]}]}]}:topic/{"Fn::Select":[1,{"Fn::Split":[":cluster/",{"Fn::GetAtt":["StreamingClusterB09DA440","Arn"]}]}]}/*]',
  'Standby/Search/Domain/ESLogGroupPolicyc83dc1d71ec4ef1e6ae7f935f068840844ad994f16/CustomResourcePolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Standby/Search/Domain/Resource AwsSolutions-OS3',
];
/** Media storage and the edge; the bucket names carry the profile's prefix and the account. */
function mediaAndEdgeFindings(prefix: string): string[] {
  const bucket = (region: string) => `arn:<AWS::Partition>:s3:::${prefix}-media-123456789012-${region}`;
  return [
    'Edge/Distribution/AccessLogs/Resource AwsSolutions-S1',
    'Edge/Distribution/Resource/Resource AwsSolutions-CFR1',
    'Edge/Distribution/Resource/Resource AwsSolutions-CFR3',
    `Primary/MediaAccess/Resource AwsSolutions-IAM5[Resource::${bucket('us-east-1')}/uploads/*]`,
    'Primary/MediaStorage/ReplicationPolicy/Resource AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:us-west-2:<AWS::AccountId>:key/*]',
    `Primary/MediaStorage/ReplicationPolicy/Resource AwsSolutions-IAM5[Resource::${bucket('us-east-1')}/*]`,
    `Primary/MediaStorage/ReplicationPolicy/Resource AwsSolutions-IAM5[Resource::${bucket('us-west-2')}/*]`,
    `Standby/MediaAccess/Resource AwsSolutions-IAM5[Resource::${bucket('us-west-2')}/uploads/*]`,
  ];
}

/** Findings of the failover runbook in the standby stack, the same in both profiles. */
const RUNBOOK_FINDINGS = [
  'Standby/FailoverRunbook/Steps/CheckPromotionRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Standby/FailoverRunbook/Steps/EnableMultiAzRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Standby/FailoverRunbook/Steps/FenceWritesRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Standby/FailoverRunbook/Steps/ResumeWritesRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Standby/FailoverRunbook/StateMachine/Role/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Standby/FailoverRunbook/StateMachine/Role/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<FailoverRunbookStepsCheckPromotion6102C53E.Arn>:*]',
  'Standby/FailoverRunbook/StateMachine/Role/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<FailoverRunbookStepsEnableMultiAz6B1D9D2E.Arn>:*]',
  'Standby/FailoverRunbook/StateMachine/Role/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<FailoverRunbookStepsFenceWrites7F72B177.Arn>:*]',
  'Standby/FailoverRunbook/StateMachine/Role/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<FailoverRunbookStepsPreflight5D8A8785.Arn>:*]',
  'Standby/FailoverRunbook/StateMachine/Role/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<FailoverRunbookStepsPromoteDatabase5FA261C0.Arn>:*]',
  'Standby/FailoverRunbook/StateMachine/Role/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<FailoverRunbookStepsReport26E780C1.Arn>:*]',
  'Standby/FailoverRunbook/StateMachine/Role/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<FailoverRunbookStepsResumeWrites22D52499.Arn>:*]',
  'Standby/FailoverRunbook/StateMachine/Role/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<FailoverRunbookStepsScaleFleet7742DAF5.Arn>:*]',
  'Standby/FailoverRunbook/StateMachine/Role/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<FailoverRunbookStepsSwitchTrafficD95A2028.Arn>:*]',
  'Standby/FailoverRunbook/StateMachine/Role/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<FailoverRunbookStepsVerify03B91069.Arn>:*]',
  'Standby/FailoverRunbook/Steps/PreflightRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Standby/FailoverRunbook/Steps/PromoteDatabaseRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Standby/FailoverRunbook/Steps/ReportRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Standby/FailoverRunbook/Steps/ScaleFleetRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Standby/FailoverRunbook/Steps/ScaleFleetRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::arn:aws:autoscaling:us-west-2:123456789012:autoScalingGroup:*:autoScalingGroupName/<FleetGroupASGF037160E>]',
  'Standby/FailoverRunbook/Steps/SwitchTrafficRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
  'Standby/FailoverRunbook/Steps/VerifyRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
];

const ACKNOWLEDGED_FINDINGS: Record<'production' | 'development', string[]> = {
  production: [
    ...FLEET_FINDINGS,
    ...STREAMING_SEARCH_BACKUP_FINDINGS,
    ...RUNBOOK_FINDINGS,
    ...mediaAndEdgeFindings('photo-prod'),
    'Primary/Cache/AuthToken/Resource AwsSolutions-SMG4',
    'Primary/Database/MonitoringRole/Resource AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
    'Primary/Database/Replicas/Replica1/Resource AwsSolutions-RDS11',
    'Primary/Database/Replicas/Replica1/Resource AwsSolutions-RDS2',
    'Primary/Database/Replicas/Replica1/Resource AwsSolutions-RDS3',
    'Primary/Database/Replicas/Replica2/Resource AwsSolutions-RDS11',
    'Primary/Database/Replicas/Replica2/Resource AwsSolutions-RDS2',
    'Primary/Database/Replicas/Replica2/Resource AwsSolutions-RDS3',
    'Primary/Database/Replicas/Replica3/Resource AwsSolutions-RDS11',
    'Primary/Database/Replicas/Replica3/Resource AwsSolutions-RDS2',
    'Primary/Database/Replicas/Replica3/Resource AwsSolutions-RDS3',
    'Standby/Cache/AuthToken/Resource AwsSolutions-SMG4',
    'Standby/Database/CrossRegionReplica/Resource AwsSolutions-RDS11',
    'Standby/Database/MonitoringRole/Resource AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
  ],
  development: [
    ...FLEET_FINDINGS,
    ...STREAMING_SEARCH_BACKUP_FINDINGS,
    ...RUNBOOK_FINDINGS,
    ...mediaAndEdgeFindings('photo-dev'),
    'Primary/Cache/AuthToken/Resource AwsSolutions-SMG4',
    'Primary/Database/MonitoringRole/Resource AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
    'Primary/Database/Replicas/Replica1/Resource AwsSolutions-RDS11',
    'Primary/Database/Replicas/Replica1/Resource AwsSolutions-RDS2',
    'Primary/Database/Replicas/Replica1/Resource AwsSolutions-RDS3',
    'Standby/Cache/AuthToken/Resource AwsSolutions-SMG4',
    'Standby/Database/CrossRegionReplica/Resource AwsSolutions-RDS11',
    'Standby/Database/MonitoringRole/Resource AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
  ],
};

describe.each(['production', 'development'] as const)('cdk-nag AwsSolutions on the %s profile', (profile) => {
  test('zero unacknowledged findings', () => {
    expect(findings(platformFor(profile).stacks)).toEqual([]);
  });

  test('the acknowledged findings are exactly the pinned set', () => {
    const raw = findings(buildPlatform({ context: { profile }, acknowledge: false }).stacks);

    expect([...raw].sort()).toEqual([...ACKNOWLEDGED_FINDINGS[profile]].sort());
  });
});

test('every acknowledgement has a reason of substance and names one construct', () => {
  const { config } = platformFor('production');
  const names = new PlatformNames(config);
  for (const ack of NAG_ACKNOWLEDGEMENTS) {
    expect(ack.reason.length).toBeGreaterThan(30);
    expect(ack.path).not.toBe('');
    for (const stack of ack.stacks) {
      expect(nagFindingId(ack, { config, names, stack })).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
    }
  }
});

test('a finding id that names a deployment resource follows the deployment', () => {
  const ack = NAG_ACKNOWLEDGEMENTS.find((a) => a.path === 'MediaAccess/Resource');
  const context: Record<string, unknown> = { ...CDK_JSON_CONTEXT, account: '210987654321' };
  const config = loadConfig((key) => context[key]);

  expect(ack && nagFindingId(ack, { config, names: new PlatformNames(config), stack: 'Standby' })).toBe(
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::photo-prod-media-210987654321-us-west-2/uploads/*]',
  );
});

test('an acknowledgement naming a missing construct fails synth', () => {
  const { acknowledgeNagFindings } = jest.requireActual('../lib/nag-acknowledgements');
  const { app, config } = buildPlatform({ acknowledge: false });

  expect(() =>
    acknowledgeNagFindings(app, config, [
      { stacks: ['Primary'], path: 'Nowhere/Resource', id: 'AwsSolutions-S1', reason: 'x' },
    ]),
  ).toThrow('cdk-nag acknowledgement AwsSolutions-S1 names Primary/Nowhere/Resource, which does not exist');
});

test('the check reports a non-compliant resource (the gate is live)', () => {
  const { App, Stack } = jest.requireActual('aws-cdk-lib');
  const s3 = jest.requireActual('aws-cdk-lib/aws-s3');
  const stack = new Stack(new App(), 'Probe');
  new s3.Bucket(stack, 'Bucket');

  expect(findings([stack])).toContain('Probe/Bucket/Resource AwsSolutions-S10');
});
