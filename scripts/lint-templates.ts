/**
 * Synthesizes the app for every profile, offline and with cdk-nag and CDK's own template
 * validation on, then runs cfn-lint over each profile's templates with the reviewed `.cfnlintrc`.
 * Fails on any cfn-lint error or warning that `.cfnlintrc` does not ignore.
 *
 *   npm run lint:cfn                 # every profile
 *   npm run lint:cfn -- development  # one profile
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROFILE_NAMES } from '../lib/config/profiles';

const profiles = process.argv.slice(2).length > 0 ? process.argv.slice(2) : PROFILE_NAMES;

if (spawnSync('cfn-lint', ['--version'], { stdio: 'ignore' }).status !== 0) {
  fail('cfn-lint is not on PATH; install it (pip install cfn-lint) and run again');
}

for (const profile of profiles) {
  const outdir = `cdk.out.${profile}`;
  run('npx', ['cdk', 'synth', '--no-lookups', '--no-notices', '-q', '-c', `profile=${profile}`, '-o', outdir]);

  const templates = readdirSync(outdir)
    .filter((file) => file.endsWith('.template.json'))
    .map((file) => join(outdir, file));
  if (templates.length === 0) fail(`synth of profile ${profile} wrote no template to ${outdir}`);

  process.stdout.write(`cfn-lint: ${profile}: ${templates.length} templates\n`);
  run('cfn-lint', ['--', ...templates]);
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

function fail(message: string): never {
  process.stderr.write(`lint:cfn: ${message}\n`);
  process.exit(1);
}
