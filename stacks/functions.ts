/**
 * Every deployed function's configuration, in one place: Node 24 on arm64, the memory and
 * timeout classes, and the links and environment derived from the configuration sections its
 * handler's code reads (`configSectionsOf`), so a function can reach exactly the secrets and
 * buckets it uses and no others. The routes, the crons and the deploy tasks build their functions
 * here.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SETTINGS, type SectionName, type Setting } from "#core/config/settings.ts";
import { handlerReference } from "#core/http/route.ts";
import { crons } from "../functions/crons.ts";
import { deployTasks } from "../functions/deploy-tasks.ts";
import { routes } from "../functions/routes.ts";
import { configSectionsOf, REPOSITORY_ROOT } from "./config-needs.ts";

export const RUNTIME = "nodejs24.x";
export const ARCHITECTURE = "arm64";

/**
 * Memory (and with it CPU: 1769 MB is one full vCPU) and timeout by what a function spends its
 * time on. API Gateway stops waiting after 30 s, so no route's timeout goes beyond 29 s.
 */
export const FUNCTION_CLASSES = {
  /** Reads and writes through the repositories: I/O-bound, mostly waiting on MongoDB and Redis. */
  standard: { memory: "512 MB", timeout: "10 seconds" },
  /** Register and login hash or check a bcrypt password (bcryptjs, pure JS): CPU-bound, a full vCPU. */
  password: { memory: "1769 MB", timeout: "15 seconds" },
  /** Waits on a provider's API (Exotel placing a call) before answering. */
  provider: { memory: "512 MB", timeout: "29 seconds" },
  /** Provider callbacks: verify, cross-check with the provider, settle in a transaction, copy a recording. */
  webhook: { memory: "1024 MB", timeout: "29 seconds" },
  /** Scheduled jobs: batches over many documents, outside API Gateway's limit. */
  job: { memory: "1024 MB", timeout: "5 minutes" },
  /** Deploy tasks: db:sync may build indexes on large collections. */
  deploy: { memory: "1024 MB", timeout: "10 minutes" },
} as const satisfies Record<string, Required<Pick<sst.aws.FunctionArgs, "memory" | "timeout">>>;

export type FunctionClass = keyof typeof FUNCTION_CLASSES;

export type Linkable = sst.Secret | sst.aws.Bucket;

export interface FunctionContext {
  /** Every resource a setting can be linked to, by the catalogue's link name. */
  linkables: Record<string, Linkable>;
  /** The deployed plain settings' values, by variable (`readDeploySettings`). */
  environment: Record<string, string>;
  /** The base URL providers call back (the API's), for functions that read the server section. */
  publicBaseUrl?: $util.Input<string>;
}

/**
 * Where handler paths start. SST runs a bundled copy of `sst.config.ts` from `.sst/`, where paths
 * relative to `import.meta.url` no longer lead here, so the root is whichever of config-needs' own
 * and the working directory (SST's is the app's) holds `sst.config.ts`.
 */
export function projectRoot(): string {
  const root = [REPOSITORY_ROOT, process.cwd()].find((directory) => existsSync(join(directory, "sst.config.ts")));
  if (!root) throw new Error(`cannot find the project root (the directory of sst.config.ts) from ${REPOSITORY_ROOT} or ${process.cwd()}`);
  return root;
}

/**
 * A handler's file and export, checked before anything is declared: without them a function would
 * deploy without the links its code needs (its imports cannot be read), and fail when invoked.
 */
function checkHandler(handler: string, root: string): void {
  const { file, exportName } = handlerReference(handler);
  if (!existsSync(join(root, file))) throw new Error(`${handler}: the handler file ${file} does not exist`);
  const exported = new RegExp(`export\\s+(?:const|let|var|(?:async\\s+)?function)\\s+${exportName}\\b|export\\s*\\{[^}]*\\b${exportName}\\b`);
  if (!exported.test(readFileSync(join(root, file), "utf8"))) throw new Error(`${handler}: ${file} does not export ${exportName}`);
}

const isSection = (name: string): name is SectionName => Object.hasOwn(SETTINGS, name);

/** The sections a handler reads, as the catalogue names them. */
export function sectionsOf(handler: string): SectionName[] {
  const root = projectRoot();
  checkHandler(handler, root);
  const sections = configSectionsOf(handler, root);
  const unknown = sections.filter((section) => !isSection(section));
  if (unknown.length) throw new Error(`${handler} reads configuration sections the catalogue does not define: ${unknown.join(", ")}`);
  return sections as SectionName[];
}

const settingsOf = (sections: SectionName[]): Setting[] => sections.flatMap((section) => Object.values(SETTINGS[section]) as Setting[]);

/** The link names a handler needs: the links of every setting of every section it reads. */
export function linkNamesOf(handler: string): string[] {
  return [...new Set(settingsOf(sectionsOf(handler)).flatMap((setting) => (setting.link ? [setting.link.name] : [])))].sort();
}

/** The handler of every deployed function: routes, crons, deploy tasks. */
export const deployedHandlers = (): string[] => [...routes, ...crons, ...deployTasks].map((entry) => entry.handler);

/** The sections any deployed function reads: their secrets are the ones a deploy needs. */
export const sectionsReadByDeployedCode = (): Set<SectionName> => new Set(deployedHandlers().flatMap(sectionsOf));

/** The function args of a handler: runtime, class, links and environment from the sections it reads. */
export function functionArgs(handler: string, functionClass: FunctionClass, context: FunctionContext, description = ""): sst.aws.FunctionArgs {
  const sections = sectionsOf(handler);
  const link = linkNamesOf(handler).map((name) => {
    const resource = context.linkables[name];
    if (!resource) throw new Error(`${handler} needs the link ${name}, which no stack declares`);
    return resource;
  });
  const environment: Record<string, $util.Input<string>> = {};
  for (const setting of settingsOf(sections)) {
    const value = context.environment[setting.env];
    if (!setting.secret && !setting.link && value !== undefined) environment[setting.env] = value;
  }
  if (sections.includes("server") && context.publicBaseUrl !== undefined) environment[SETTINGS.server.publicBaseUrl.env] = context.publicBaseUrl;
  return {
    handler,
    description: description.slice(0, 256),
    runtime: RUNTIME,
    architecture: ARCHITECTURE,
    ...FUNCTION_CLASSES[functionClass],
    link,
    environment,
  };
}

/** A component name from a kebab-case name: `db-sync` → `DbSync` (SST wants letters and digits, capitalised). */
export const componentName = (kebab: string): string =>
  kebab.split(/[^A-Za-z0-9]+/).filter(Boolean).map((word) => word[0].toUpperCase() + word.slice(1)).join("");
