// Managed by integration-harness: `copier update` rewrites this file.
/**
 * Checks, before every run, that the managed files are as the template wrote them.
 *
 * `tests/integration/managed-files.sha256` holds the sha256 of every managed file
 * as the template wrote it (`sha256sum -c` format, paths from the project root).
 * - A file that differs is reported as a warning: `copier update` merges the
 *   template's changes into it and can leave conflict markers where both changed.
 * - A missing file, a file holding conflict markers (`<<<<<<< before updating`)
 *   or a `.rej` file next to one stops the run with one message naming the files
 *   and the command that restores them.
 * - A harness that runs from another folder than `tests/integration` is reported
 *   as a warning: `copier update` only writes `tests/integration`.
 *
 * Importing this module runs the stopping check, so it must be the first import of
 * the global setup: a missing harness module would otherwise fail with a trace.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const MANIFEST_NAME = "managed-files.sha256";
const INTEGRATION_DIR = "tests/integration";
const ANSWERS_FILE = ".copier-answers.yml";
const RESTORE_HELP = "README of integration-harness, section 'Restoring managed files'";
const RESTORE_PREFIX = "# restore: ";
const CONFLICT = /^(<{7} |>{7} |<{7}$|>{7}$)/m;
const ENTRY = /^(?<digest>[0-9a-f]{64}) [ *](?<path>.+)$/;

/** What differs between the managed files and the manifest. */
export interface ManagedReport {
  root: string;
  integrationDir: string;
  edited: string[];
  missing: string[];
  conflicted: string[];
  movedFrom?: string;
  /** The command that restores every managed file (from the manifest's header). */
  restore?: string;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The project root: the nearest folder at or above `integrationDir` holding the
 * Copier answers file, else the nearest holding `.git`, else two levels up.
 */
export function projectRoot(integrationDir: string): string {
  for (const marker of [ANSWERS_FILE, ".git"]) {
    let folder = integrationDir;
    for (;;) {
      if (existsSync(join(folder, marker))) return folder;
      const parent = dirname(folder);
      if (parent === folder) break;
      folder = parent;
    }
  }
  return dirname(dirname(integrationDir));
}

function hasConflictMarkers(path: string): boolean {
  try {
    return CONFLICT.test(readFileSync(path, "utf8"));
  } catch {
    return false;
  }
}

/** True when `content` is what the template wrote (also checked out with CRLF). */
function matches(content: Buffer, digest: string): boolean {
  const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
  if (sha256(content) === digest) return true;
  const text = content.toString("latin1");
  if (!text.includes("\r\n")) return false;
  return sha256(Buffer.from(text.replaceAll("\r\n", "\n"), "latin1")) === digest;
}

/** Compare the managed files with the manifest; undefined when there is no manifest. */
export function checkManagedFiles(
  integrationDir: string = resolve(dirname(fileURLToPath(import.meta.url)), ".."),
): ManagedReport | undefined {
  const manifest = join(integrationDir, MANIFEST_NAME);
  if (!isFile(manifest)) return undefined;
  const root = projectRoot(integrationDir);
  const report: ManagedReport = { root, integrationDir, edited: [], missing: [], conflicted: [] };
  const inside = relative(root, integrationDir).split("\\").join("/");
  const shownDir = inside.startsWith("..") || isAbsolute(inside) ? integrationDir : inside;
  if (shownDir !== INTEGRATION_DIR) report.movedFrom = shownDir;
  if (hasConflictMarkers(manifest)) {
    report.conflicted.push(`${shownDir}/${MANIFEST_NAME}`);
    return report;
  }
  for (const line of readFileSync(manifest, "utf8").split("\n")) {
    if (line.startsWith(RESTORE_PREFIX)) report.restore = line.slice(RESTORE_PREFIX.length).trimEnd();
    const entry = ENTRY.exec(line)?.groups;
    if (entry === undefined) continue;
    const name = entry.path;
    let path: string;
    let shown: string;
    if (name.startsWith(`${INTEGRATION_DIR}/`)) {
      const rest = name.slice(INTEGRATION_DIR.length + 1);
      path = join(integrationDir, rest);
      shown = `${shownDir}/${rest}`;
    } else {
      path = join(root, name);
      shown = name;
    }
    if (!isFile(path)) {
      report.missing.push(shown);
    } else if (hasConflictMarkers(path) || existsSync(`${path}.rej`)) {
      report.conflicted.push(shown);
    } else if (!matches(readFileSync(path), entry.digest)) {
      report.edited.push(shown);
    }
  }
  return report;
}

/** One message naming every broken file and the fix. */
export function stopMessage(report: ManagedReport): string {
  const problems = [
    ...report.conflicted.map((name) => `${name}: conflict markers from \`copier update\``),
    ...report.missing.map((name) => `${name}: missing`),
  ];
  return (
    "integration-harness: managed files are broken, no test was run:\n" +
    problems.map((problem) => `  - ${problem}`).join("\n") +
    "\n  fix: resolve the conflicts by hand (keep your lines and the template's, drop the" +
    " <<<<<<< ======= >>>>>>> lines), or restore every managed file as the template wrote it:" +
    `\n    ${report.restore ?? "copier recopy (see below)"}` +
    `\n    (see the ${RESTORE_HELP}); then move your changes to your own files.`
  );
}

/** One line per thing that works today but will not survive an update. */
export function managedWarnings(report: ManagedReport): string[] {
  const lines: string[] = [];
  if (report.edited.length > 0) {
    lines.push(
      "integration-harness: warning: managed files differ from what the template wrote: " +
        report.edited.join(", ") +
        ". `copier update` merges into them and can leave conflict markers; put" +
        " changes in your own files instead (.env.test.local, compose.test.override.yaml, your fixtures).",
    );
  }
  if (report.movedFrom !== undefined) {
    lines.push(
      `integration-harness: warning: the harness runs from ${report.movedFrom}, but` +
        ` \`copier update\` only updates ${INTEGRATION_DIR}: move the folder back` +
        ` (git mv ${report.movedFrom} ${INTEGRATION_DIR}).`,
    );
  }
  return lines;
}

/** Stop (throw one message, no trace) when managed files are missing or conflicted. */
export function stopIfBroken(): void {
  const report = checkManagedFiles();
  if (report !== undefined && (report.missing.length > 0 || report.conflicted.length > 0)) {
    const stop = new Error(stopMessage(report));
    stop.stack = stop.message; // the message says it all: no trace, no code frame
    throw stop;
  }
}

/** Before the run: print the warnings (the stopping check already ran at import). */
export function enforceManagedFiles(): void {
  const report = checkManagedFiles();
  if (report === undefined) return;
  for (const line of managedWarnings(report)) console.warn(line);
}

stopIfBroken();
