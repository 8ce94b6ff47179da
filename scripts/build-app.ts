import { join } from 'node:path';
import { buildServiceBundleSync, SERVICE_BUNDLE_FILE } from '../app/bundle';

const outputDir = join(__dirname, '..', 'dist', 'app');
buildServiceBundleSync(outputDir);
console.log(`wrote ${join(outputDir, SERVICE_BUNDLE_FILE)}`);
