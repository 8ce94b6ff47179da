import { platformFor } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

describe.each(['production', 'development'] as const)('edge monitoring in the %s profile', (profile) => {
  const build = platformFor(profile);
  const prefix = build.config.stackNamePrefix;
  const edge = build.template(build.platform.edge);
  const primary = build.template(build.platform.primary);
  const waf = build.config.edge.waf;

  test('an alarm watches WAF blocked requests of the web ACL and warns through the primary warning topic', () => {
    const [webAcl] = Object.values(edge.findResources('AWS::WAFv2::WebACL'));
    const [alarm] = Object.values(edge.findResources('AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties.MetricName === 'BlockedRequests',
    );
    const topicArn = `arn:aws:sns:us-east-1:123456789012:${prefix}-primary-alerts-warning`;

    expect(alarm.Properties).toMatchObject({
      AlarmName: `${prefix}-primary-edge-waf-blocked-requests`,
      Namespace: 'AWS/WAFV2',
      Dimensions: expect.arrayContaining([
        { Name: 'WebACL', Value: webAcl.Properties.VisibilityConfig.MetricName },
        { Name: 'Rule', Value: 'ALL' },
      ]),
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: waf.blockedRequestsAlarmPerFiveMinutes,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicArn],
      OKActions: [topicArn],
    });
    expect(alarm.Properties.Dimensions).toHaveLength(2);
    primary.hasResourceProperties('AWS::SNS::Topic', { TopicName: `${prefix}-primary-alerts-warning` });
  });

  test('the global dashboard lives in the edge stack', () => {
    edge.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: `${prefix}-global` });
  });

  test("the primary's media replication alarms feed InfrastructureDegraded and notify nothing themselves", () => {
    const alarms = primary.findResources('AWS::CloudWatch::Alarm');
    const replication = Object.entries(alarms).filter(([id]) =>
      /^MediaStorageReplication(Latency|Failure)Alarm/.test(id),
    );
    const [composite] = Object.values(primary.findResources('AWS::CloudWatch::CompositeAlarm')).filter((c) =>
      JSON.stringify(c.Properties.AlarmName).includes('infrastructure'),
    );

    expect(replication).toHaveLength(2);
    for (const [id, alarm] of replication) {
      expect(alarm.Properties.AlarmActions ?? []).toEqual([]);
      expect(JSON.stringify(composite.Properties.AlarmRule)).toContain(id);
    }
  });
});
