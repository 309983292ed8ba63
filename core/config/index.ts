/**
 * Configuration, parsed once per container with zod. In AWS each value comes from the function's
 * SST links (`Resource.MongodbUri.value`, `Resource.Recordings.name`), locally from environment
 * variables; nothing else in the platform reads `process.env`. A missing or malformed setting
 * throws a `ConfigError` naming the variable, on the first use of its section (at cold start).
 *
 * @example
 * const { uri, maxPoolSize } = config("mongo");
 */
import { Resource } from "sst/resource";
import type { z } from "zod";
import { SETTINGS, type SectionName, type Setting } from "./settings.ts";

export { SETTINGS, type SectionName, type Setting };

export type SectionConfig<S extends SectionName> = {
  readonly [K in keyof (typeof SETTINGS)[S]]: (typeof SETTINGS)[S][K] extends { schema: infer T extends z.ZodType } ? z.output<T> : never;
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const parsed = new Map<SectionName, unknown>();

export function config<S extends SectionName>(section: S): SectionConfig<S> {
  if (!parsed.has(section)) parsed.set(section, parseSection(section));
  return parsed.get(section) as SectionConfig<S>;
}

/** Parses several sections at once and reports every problem, not only the first. */
export function checkConfig(sections: SectionName[] = Object.keys(SETTINGS) as SectionName[]): void {
  const problems: string[] = [];
  for (const section of sections) {
    try {
      config(section);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length) throw new ConfigError(problems);
}

function parseSection(section: SectionName): unknown {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, setting] of Object.entries(SETTINGS[section]) as [string, Setting][]) {
    const raw = readRaw(setting);
    const result = setting.schema.safeParse(raw);
    if (result.success) values[key] = result.data;
    else problems.push(describeProblem(setting, raw, result.error));
  }
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(values);
}

function describeProblem(setting: Setting, raw: string | undefined, error: z.ZodError): string {
  if (raw === undefined) {
    const where = setting.link && linksActive() ? `link ${setting.link.name} in sst.config.ts` : `environment variable ${setting.env}`;
    return `${setting.env} is required (${setting.description}); set the ${where}`;
  }
  // Never echo a secret's value, even a malformed one.
  const shown = setting.secret ? "" : ` (got "${raw}")`;
  return `${setting.env} ${error.issues[0]?.message ?? "is invalid"}${shown}`;
}

function readRaw(setting: Setting): string | undefined {
  if (setting.link && linksActive() && setting.link.name in Resource) {
    const linked = (Resource as unknown as Record<string, Record<string, unknown>>)[setting.link.name][setting.link.property];
    return linked === undefined || linked === "" ? undefined : String(linked);
  }
  const value = process.env[setting.env];
  return value === undefined || value === "" ? undefined : value;
}

/** SST links are present in a deployed function (and under `sst dev`). */
const linksActive = (): boolean => process.env.SST_RESOURCE_App !== undefined || "App" in Resource;
