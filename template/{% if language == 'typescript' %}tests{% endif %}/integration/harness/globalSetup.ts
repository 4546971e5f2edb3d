// Managed by integration-harness: `copier update` rewrites this file.
/**
 * Runs once, before any test worker starts: every service's URL goes through the
 * safety guard, then one bounded, parallel readiness wait. Any problem stops the
 * run at once with one message per service, naming it, its URL and the fix.
 * Then one line says what the harness connected to and how long each took.
 */
import { enforceManagedFiles } from "./managed"; // first: it stops a run whose managed files are broken
import { waitFor, type Readiness } from "./readiness";
import { MODULES } from "./registry";
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

export async function setup(): Promise<() => Promise<void>> {
  enforceManagedFiles();
  const settings = loadSettings();
  const problems: string[] = [];
  const waiting: Array<{ service: Service; url: string }> = [];
  for (const service of SERVICES) {
    try {
      const url = settings.url(service.urlVar);
      MODULES[service.name].guard(url, settings);
      waiting.push({ service, url });
    } catch (error) {
      problems.push(`${service.title}: ${error instanceof Error ? error.message : error}`);
    }
  }
  const results: Readiness[] = await Promise.all(
    waiting.map(({ service, url }) =>
      waitFor(service.title, url, MODULES[service.name].probe, settings.serviceTimeout),
    ),
  );
  for (const [index, result] of results.entries()) {
    const { service, url } = waiting[index];
    const module = MODULES[service.name];
    if (result.problem !== undefined) {
      problems.push(`${service.title} at ${result.url}: ${result.problem}\n${fixFor(service, settings, result.problem)}`);
    } else if (module.preflight) {
      try {
        await module.preflight(url, settings);
      } catch (error) {
        problems.push(`${service.title}: ${error instanceof Error ? error.message : error}`);
      }
    }
  }
  const release = async () => {
    await Promise.all(Object.values(MODULES).map((module) => module.release?.()));
  };
  if (problems.length > 0) {
    await release();
    const count = problems.length === 1 ? "service is" : `${problems.length} services are`;
    const stop = new Error(
      `integration-harness: ${count} not usable, no test was run:\n` +
        problems.map((problem) => `  - ${problem}`).join("\n"),
    );
    stop.stack = stop.message; // the message says it all: no trace, no code frame
    throw stop;
  }
  console.log(
    results.length === 0
      ? "integration-harness: this project uses no services"
      : "integration-harness: " +
          results.map((r) => `${r.server} at ${r.url} ready in ${r.milliseconds} ms`).join("; "),
  );
  return release;
}
