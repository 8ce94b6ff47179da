/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(tsx?|mjs|js)$': ['@swc/jest'] },
  // The service's ESM-only dependencies are compiled to CommonJS like the sources; the rest of node_modules is not.
  transformIgnorePatterns: [
    '/node_modules/(?!(typebox|node-pg-migrate|jose|htmlparser2|domhandler|domutils|dom-serializer|domelementtype|entities|cookie)/)',
  ],
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  // Synthesizing whole stacks takes a few seconds per test file.
  testTimeout: 60_000,
};
