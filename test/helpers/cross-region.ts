import type { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';

/** A value that a template takes from a stack in another region. */
export interface CrossRegionReference {
  readonly stack: string;
  readonly region: string;
  readonly detail: string;
}

/**
 * Finds every way a template of `region` depends on a value published by a stack of another
 * region: `Fn::ImportValue` of another region's export, `Fn::GetStackOutput` of a stack in another
 * region, CDK's cross-region export readers (which read SSM parameters written by the other
 * region), and dynamic references to those parameters.
 */
export function findCrossRegionReferences(assembly: CloudAssembly, region: string): CrossRegionReference[] {
  const exportRegion = new Map<string, string>();
  for (const artifact of assembly.stacks) {
    for (const output of Object.values<{ Export?: { Name?: unknown } }>(artifact.template.Outputs ?? {})) {
      if (typeof output.Export?.Name === 'string') exportRegion.set(output.Export.Name, artifact.environment.region);
    }
  }

  const found: CrossRegionReference[] = [];
  for (const artifact of assembly.stacks.filter((a: CloudFormationStackArtifact) => a.environment.region === region)) {
    const report = (detail: string) => found.push({ stack: artifact.stackName, region, detail });

    walk(artifact.template, (node) => {
      const imported = node['Fn::ImportValue'];
      if (imported !== undefined) {
        const from = typeof imported === 'string' ? exportRegion.get(imported) : undefined;
        if (from !== region)
          report(`Fn::ImportValue ${JSON.stringify(imported)} exported in ${from ?? 'an unknown region'}`);
      }
      const output = node['Fn::GetStackOutput'] as { StackName?: unknown; Region?: unknown } | undefined;
      if (output !== undefined && output.Region !== region) {
        report(`Fn::GetStackOutput of ${JSON.stringify(output.StackName)} in ${JSON.stringify(output.Region)}`);
      }
      const type = node.Type;
      if (typeof type === 'string' && /CrossRegionExport/.test(type)) report(`resource of type ${type}`);
    });
    const text = JSON.stringify(artifact.template);
    for (const match of text.matchAll(/\{\{resolve:ssm:\/cdk\/exports\/[^}]*\}\}/g))
      report(`dynamic reference ${match[0]}`);
  }
  return found;
}

function walk(node: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
  } else if (typeof node === 'object' && node !== null) {
    visit(node as Record<string, unknown>);
    for (const value of Object.values(node)) walk(value, visit);
  }
}
