// The baseline of `npm run bench:synth`: a CDK app with one empty stack, run the same way.
import { App, Stack, Validations } from 'aws-cdk-lib';

const app = new App();
const stack = new Stack(app, 'Empty', { env: { account: '123456789012', region: 'us-east-1' } });
Validations.of(stack).acknowledge({
  id: 'CloudFormation-Validate::F0001',
  reason: 'the benchmark baseline is empty on purpose; it is synthesized, never deployed',
});
