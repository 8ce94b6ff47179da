import { platformFor } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

/** Replaces asset hashes, which change with any byte of a bundled asset, with a fixed marker. */
function blankAssetHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}(\.zip|\.json)?/g, 'ASSET-HASH$1'));
}

// A tripwire only: the behaviour is asserted property by property in the other suites.
describe('production templates', () => {
  const build = platformFor('production');

  test.each(build.stacks.map((stack) => [stack.node.id, stack] as const))('%s', (_id, stack) => {
    expect(blankAssetHashes(build.template(stack).toJSON())).toMatchSnapshot();
  });
});
