/** `npm run failover -- --dry-run | --execute`: see scripts/failover/cli.ts. */
import { describeFailure, main } from './failover/cli';

main(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${describeFailure(error)}\n`);
    process.exitCode = 1;
  },
);
