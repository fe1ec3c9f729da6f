import { defineConfig } from 'vitest/config';

/** Files that replace modules with vi.mock: they need a module registry of their own. */
const MOCKING = ['test/commons/sigv4.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: MOCKING,
          // Test files in one worker share loaded modules: aws-cdk-lib and the SDK load once per
          // worker, not once per file (npm test 183 s -> 92 s on 2 CPUs). Tests must not depend
          // on a fresh module state; those that mock modules run in the isolated project.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: MOCKING, isolate: true } },
    ],
  },
});
