// Managed by integration-harness: `copier update` rewrites this file.
// Add options per run with `make integration-test-external ARGS="..."`, fixtures by extending
// `test` from ./harness/fixtures in a file of your own.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Named *.integration.ts, so that a Vitest or Jest run of your repository's own
    // (default file patterns) never picks these up; *.test.ts files here run too.
    include: ["**/*.integration.ts", "**/*.test.ts"],
    exclude: ["node_modules/**"],
    // Once, before any worker starts: the safety guard and the readiness wait.
    globalSetup: ["./harness/globalSetup.ts"],
    // Workers are processes, each with databases of its own (VITEST_POOL_ID).
    pool: "forks",
    // A new random order every run, so hidden dependencies between tests show up.
    sequence: { shuffle: true },
    // A test that hangs on a service fails after this many milliseconds instead.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
