import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConfigError } from '../../lib/config/errors';
import { loadConfig } from '../../lib/config/load';
import type { PlatformConfig } from '../../lib/config/types';
import { acknowledgeNagFindings } from '../../lib/nag-acknowledgements';
import { createPlatform, type Platform } from '../../lib/platform';

/** The context in `cdk.json`: feature flags and the pinned Availability Zones. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8'),
).context;

export interface SynthesizedPlatform {
  readonly app: App;
  readonly config: PlatformConfig;
  readonly platform: Platform;
  readonly stacks: readonly Stack[];
  template(stack: Stack): Template;
}

export interface BuildOptions {
  /** Context on top of `cdk.json`'s, as `-c key=value` would give. */
  readonly context?: Record<string, unknown>;

  /** Record the reviewed cdk-nag acknowledgements, as `lib/app.ts` does. @default true */
  readonly acknowledge?: boolean;
}

/** Builds the platform the way the CDK app (`lib/app.ts`) does, with cdk.json's context. */
export function buildPlatform(options: BuildOptions = {}): SynthesizedPlatform {
  const context = { ...CDK_JSON_CONTEXT, ...options.context };
  const app = new App({ context });
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const platform = createPlatform(app, config);
  if (options.acknowledge ?? true) acknowledgeNagFindings(app, config);

  const templates = new Map<Stack, Template>();
  return {
    app,
    config,
    platform,
    stacks: [platform.standbyFoundation, platform.primary, platform.standby, platform.edge],
    template(stack) {
      let template = templates.get(stack);
      if (!template) {
        template = Template.fromStack(stack);
        templates.set(stack, template);
      }
      return template;
    },
  };
}

/** Memoized builds per profile, shared by the tests of one file. */
const builds = new Map<string, SynthesizedPlatform>();
export function platformFor(profile: 'production' | 'development'): SynthesizedPlatform {
  let build = builds.get(profile);
  if (!build) {
    build = buildPlatform({ context: { profile } });
    builds.set(profile, build);
  }
  return build;
}

/** The problems of the ConfigError that building the platform with `overrides` throws; fails when none is thrown. */
export function configProblemsFor(overrides: unknown): ConfigError['problems'] {
  try {
    buildPlatform({ context: { overrides } });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(overrides)}`);
}

/** One resource of a template, as `findResources` gives it (untyped JSON), with its logical ID. */
export type ResourceJson = ReturnType<Template['findResources']>[string] & { logicalId: string };

/** The one resource of `type` with `props`; fails unless exactly one matches. */
export function only(template: Template, type: string, props: Record<string, unknown> = {}): ResourceJson {
  const found = Object.entries(template.findResources(type, { Properties: props }));
  expect(found).toHaveLength(1);
  const [logicalId, resource] = found[0];
  return { logicalId, ...resource };
}
