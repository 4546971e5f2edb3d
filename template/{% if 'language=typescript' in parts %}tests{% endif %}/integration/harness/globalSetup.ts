// Managed by integration-harness: `copier update` rewrites this file.
/**
 * Runs once, before any test worker starts: the settings are read, every
 * service's URL goes through the safety guard, then one bounded, parallel
 * readiness wait, then each service claims what the run will clean (and checks
 * every worker's share of it). Any problem stops the run at once with one
 * message per service, naming it, its URL and the fix. Then one line says what
 * the harness connected to and how long each took.
 */
import { enforceManagedFiles } from "./managed"; // first: it stops a run whose managed files are broken
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { bounded, RUN_DIR_VAR, waitFor, type Readiness } from "./readiness";
import { MODULES } from "./registry";
import { redact } from "./safety";
import { SERVICES, type Service } from "./services";
import { loadSettings, type Settings } from "./settings";

function fixFor(service: Service, settings: Settings, problem = ""): string {
  const source = service.urlVar in process.env ? "the environment" : settings.envFile;
  if (problem !== "" && !problem.startsWith("no answer within")) {
    return (
      `    fix: the server answered but refused: check the user, password and ` +
      `database in ${service.urlVar} (now from ${source})`
    );
  }
  return (
    `    fix: start the test services (\`make integration-services-up\`, needs Docker) or point ` +
    `${service.urlVar} at a running ${service.title} (now from ${source})`
  );
}

function stop(message: string): Error {
  const error = new Error(redact(message));
  error.stack = error.message; // the message says it all: no trace, no code frame
  return error;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function setup(project?: TestProject): Promise<() => Promise<void>> {
  enforceManagedFiles();
  let settings: Settings;
  try {
    settings = loadSettings();
    void settings.serviceTimeout; // a bad number stops the run here, once
  } catch (error) {
    throw stop(`integration-harness: the settings are not usable, no test was run:\n  - ${reason(error)}`);
  }
  const run = { workers: Math.max(Number(project?.config.maxWorkers ?? 1) || 1, 1) };
  const runDir = mkdtempSync(join(tmpdir(), "integration-harness-"));
  process.env[RUN_DIR_VAR] = runDir; // workers inherit it: where they record a service that stopped answering
  const problems: string[] = [];
  const waiting: Array<{ service: Service; url: string }> = [];
  for (const service of SERVICES) {
    try {
      const url = settings.url(service.urlVar);
      await MODULES[service.name].guard(url, settings);
      waiting.push({ service, url });
    } catch (error) {
      problems.push(`${service.title}: ${reason(error)}`);
    }
  }
  const results: Readiness[] = await Promise.all(
    waiting.map(({ service, url }) =>
      waitFor(service.title, url, MODULES[service.name].probe, settings.serviceTimeout),
    ),
  );
  const release = async () => {
    await Promise.all(
      Object.values(MODULES).map((module) =>
        module.release ? bounded(module.release(), settings.serviceTimeout + 1, "release").catch(() => undefined) : undefined,
      ),
    );
    rmSync(runDir, { recursive: true, force: true });
  };
  const preflights = results.map(async (result, index) => {
    const { service, url } = waiting[index];
    const module = MODULES[service.name];
    if (result.problem !== undefined) {
      problems.push(`${service.title} at ${result.url}: ${result.problem}\n${fixFor(service, settings, result.problem)}`);
    } else if (module.preflight) {
      try {
        const within = settings.serviceTimeout * 2 + 1;
        await bounded(module.preflight(url, settings, run), within, `${service.title} at ${result.url}`);
      } catch (error) {
        problems.push(`${service.title}: ${reason(error)}`);
      }
    }
  });
  await Promise.all(preflights);
  if (problems.length > 0) {
    await release();
    const count = problems.length === 1 ? "service is" : `${problems.length} services are`;
    throw stop(
      `integration-harness: ${count} not usable, no test was run:\n` +
        problems.map((problem) => `  - ${problem}`).join("\n"),
    );
  }
  console.log(
    results.length === 0
      ? "integration-harness: this project uses no services"
      : redact(
          "integration-harness: " +
            results.map((r) => `${r.server} at ${r.url} ready in ${r.milliseconds} ms`).join("; "),
        ),
  );
  return release;
}
