/**
 * The deployed functions' configuration, from the settings catalogue (`core/config/settings.ts`):
 * one `sst.Secret` per secret setting (named by its link, `MongodbUri`, read as
 * `Resource.MongodbUri.value`), and the plain settings a deploy passes as environment variables.
 * Nothing is listed here by hand: a setting added to the catalogue is deployed with it.
 *
 * Plain values come from the deploy environment (SST loads `.env` and `.env.<stage>` into it), then
 * from the stage defaults below; an unset one takes the catalogue default inside the function.
 * They are validated here with the catalogue's schemas, so a bad value fails the deploy, not a
 * cold start.
 */
import { SETTINGS, type SectionName, type Setting } from "#core/config/settings.ts";
import { sectionsReadByDeployedCode } from "./functions.ts";

export const PRODUCTION_STAGE = "production";

export interface CatalogueEntry {
  section: SectionName;
  setting: Setting;
}

const CATALOGUE: CatalogueEntry[] = (Object.entries(SETTINGS) as [SectionName, Record<string, Setting>][])
  .flatMap(([section, settings]) => Object.values(settings).map((setting) => ({ section, setting })));

export const SECRET_SETTINGS = CATALOGUE.filter(({ setting }) => setting.secret);

/**
 * Plain settings the platform supplies itself, never taken from the deploy environment (a
 * developer's shell holds local values for several of them). Plain settings with a link (the
 * bucket names) come from their link.
 */
const SUPPLIED_BY_THE_PLATFORM: Record<string, string> = {
  AWS_REGION: "set by Lambda, which refuses it as a function variable",
  PUBLIC_BASE_URL: "the API's URL (stacks/api.ts)",
  PORT: "the local server's port; a Lambda listens on none",
  AWS_ENDPOINT_URL_S3: "local S3 stand-ins only; deployed functions use S3 itself",
};

export const DEPLOYED_PLAIN_SETTINGS = CATALOGUE.filter(({ setting }) => !setting.secret && !setting.link && !(setting.env in SUPPLIED_BY_THE_PLATFORM));

/** A setting whose schema accepts no value (it has a default or is optional). */
export const isOptional = (setting: Setting): boolean => setting.schema.safeParse(undefined).success;

/**
 * Stages other than production log more, and keep their databases apart from production's under
 * a prefix, in case they share its cluster (production's names stay exactly the documents').
 */
export function stageDefaults(stage: string): Record<string, string> {
  if (stage === PRODUCTION_STAGE) return {};
  return { LOG_LEVEL: "debug", MONGODB_DATABASE_PREFIX: `${stage.replace(/[^A-Za-z0-9_-]/g, "-")}_` };
}

export interface DeploySettings {
  stage: string;
  /** Validated values of the deployed plain settings, by variable; unset ones are absent. */
  environment: Record<string, string>;
  /** CORS_ORIGINS, parsed: the API's and the recordings bucket's allowed origins. */
  corsOrigins: string[];
}

/** The plain settings of a deploy to `stage`, from `env` (the deploy environment) and the stage defaults. */
export function readDeploySettings(stage: string, env: Record<string, string | undefined> = process.env): DeploySettings {
  const defaults = stageDefaults(stage);
  const environment: Record<string, string> = {};
  const problems: string[] = [];
  for (const { setting } of DEPLOYED_PLAIN_SETTINGS) {
    const value = env[setting.env] ?? defaults[setting.env];
    if (value === undefined) continue;
    // Empty means "unset" to core/config too, so an empty value restores the catalogue default.
    const parsed = setting.schema.safeParse(value === "" ? undefined : value);
    if (!parsed.success) problems.push(`${setting.env} ${parsed.error.issues[0]?.message ?? "is invalid"} (got "${value}")`);
    else if (setting.env.endsWith("_URL") && pointsAtThisMachine(value)) problems.push(`${setting.env} is ${value}: a deployed function cannot reach this machine (a local fake's address left in the environment?)`);
    else environment[setting.env] = value;
  }
  if (problems.length) throw new Error(`Invalid settings for stage ${stage}:\n  ${problems.join("\n  ")}`);
  return { stage, environment, corsOrigins: SETTINGS.server.corsOrigins.schema.parse(environment.CORS_ORIGINS || undefined) };
}

function pointsAtThisMachine(value: string): boolean {
  const host = URL.canParse(value) ? new URL(value).hostname : "";
  return host === "localhost" || host === "[::1]" || host === "0.0.0.0" || host.startsWith("127.");
}

/**
 * One `sst.Secret` per secret setting, by link name. A secret its setting can do without, or one
 * no deployed function reads yet, gets an empty placeholder (read as unset by core/config), so a
 * deploy asks (`sst secret set <Name>`) for exactly the secrets the deployed code needs.
 */
export function createSecrets(sectionsInUse: ReadonlySet<SectionName> = sectionsReadByDeployedCode()): Record<string, sst.Secret> {
  const secrets: Record<string, sst.Secret> = {};
  for (const { section, setting } of SECRET_SETTINGS) {
    const name = setting.link!.name;
    const needed = sectionsInUse.has(section) && !isOptional(setting);
    secrets[name] = needed ? new sst.Secret(name) : new sst.Secret(name, "");
  }
  return secrets;
}

/** The README's `sst secret set` commands, one per secret setting (test/readme.test.ts keeps them in sync). */
export function secretSetCommands(stage = PRODUCTION_STAGE): string {
  // `${VAR:?}` stops the shell when the variable is unset, instead of storing an empty secret.
  const command = ({ setting }: CatalogueEntry) => `npx sst secret set ${setting.link!.name} "\${${setting.env}:?}" --stage ${stage}`;
  return [
    ...SECRET_SETTINGS.filter(({ setting }) => !isOptional(setting)).map(command),
    "# optional:",
    ...SECRET_SETTINGS.filter(({ setting }) => isOptional(setting)).map(command),
  ].join("\n");
}
