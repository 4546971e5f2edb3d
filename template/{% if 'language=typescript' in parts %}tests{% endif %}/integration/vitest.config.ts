// Managed by integration-harness: `copier update` rewrites this file.
// Add options per run with `make integration-test-external ARGS="..."`, fixtures by extending
// `test` from ./harness/fixtures in a file of your own.
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Vitest loads globalSetup through its own module environment (`__vitest__`), which
  // resolves a package's ESM build ("module") file by file: the AWS SDK's alone took
  // 2.5-4.5 s to load there, against 0.15 s from its CommonJS build ("main").
  environments: { __vitest__: { resolve: { mainFields: ["main", "module"] } } },
  test: {
    // Named *.integration.ts, so that a Vitest or Jest run of your repository's own
    // (default file patterns) never picks these up; *.test.ts files here run too.
    include: ["**/*.integration.ts", "**/*.test.ts"],
    exclude: ["node_modules/**"],
    // Once, before any worker starts: the safety guard and the readiness wait.
    globalSetup: ["./harness/globalSetup.ts"],
    // Workers are processes, each with databases of its own (VITEST_POOL_ID).
    pool: "forks",
    // A worker runs its test files in one module graph: modules are imported once, not
    // once per file, and worker fixtures (settings, clients, databases) are set up once
    // per worker. Per-test isolation is the fixtures' own. A file that mocks modules
    // (vi.mock) or keeps state in them can have them to itself: ARGS="--isolate".
    isolate: false,
    // A new random order every run, so hidden dependencies between tests show up.
    sequence: { shuffle: true },
    // A test that hangs on a service fails after this many milliseconds instead.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
