#!/usr/bin/env node
/**
 * The CDK app that cdk.json starts (`lib/app.ts`).
 *
 * The service's and the runbook's bundles start building first, in a worker thread, and the rest of the app is
 * loaded after: esbuild works while CDK's modules load and the stacks before the first bundle are built, and the
 * constructs that ship a bundle wait for it there. With both bundles in the cache, no worker starts.
 */
import { buildInBackground } from '../lib/bundle-cache';
import { RUNBOOK_BUILD } from '../lib/runbook-bundle';
import { SERVICE_BUILD } from '../lib/service-bundle';

try {
  buildInBackground([SERVICE_BUILD, RUNBOOK_BUILD]);
} catch {
  // Only a head start: the constructs' own builds meet the same problem (a bad bundle setting) and report it.
}
// Required here, not imported at the top, so that it loads after the builds started.
(require('../lib/app') as typeof import('../lib/app')).runApp();
