import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));
const exclude = ["**/node_modules/**", "**/dist/**", "**/.data/**"];

/**
 * One run, three kinds of test:
 * - unit: beside the code, no services (`*.test.ts`);
 * - integration: beside the code, against the real Redis/MariaDB/s3rver that
 *   infra/scripts/test.sh started (`*.int.test.ts`, service addresses in ARCADE_TEST_* env);
 * - e2e: cross-process suites under test/ (`test/**\/*.e2e.test.ts`).
 * Timing never decides pass/fail; slow suites just get generous timeouts.
 */
/**
 * Workspace packages resolve to their TypeScript source ("source" export condition), so tests
 * never run a stale dist/. Processes the e2e suites start run the built dist/ instead.
 */
const conditions = ["source", "node", "development|production"];

export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    root,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["packages/**/src/**/*.test.ts", "apps/*/src/**/*.test.ts", "test/walkthrough/*.test.ts"],
          exclude: [...exclude, "**/*.int.test.ts", "**/*.e2e.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["packages/**/src/**/*.int.test.ts", "apps/*/src/**/*.int.test.ts"],
          exclude,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "infra",
          include: ["test/infra/**/*.test.ts"],
          exclude,
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/**/*.e2e.test.ts"],
          globalSetup: ["test/harness/build-once.ts"],
          exclude,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
