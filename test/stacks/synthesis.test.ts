/**
 * `sst.config.ts` run against stand-in SST globals (test/fixtures/sst): what `sst deploy` would
 * declare for a stage, checked against the manifests by `verifyDeclarations` (every route and cron
 * once, handlers that exist, links that are exactly what each handler's code reads, nothing
 * public, Node 24 on arm64), plus the stage rules, buckets, CORS, environment and db:sync on
 * deploy. The last tests show the checks failing when a route lacks its handler or a handler reads
 * a secret it is not linked to.
 */
import { afterAll, describe, expect, it } from "vitest";
import { BACKUP_RETENTION_DAYS } from "#core/backup/retention.ts";
import { SETTINGS, type Setting } from "#core/config/settings.ts";
import { routeKey } from "#core/http/route.ts";
import { crons } from "../../functions/crons.ts";
import { dbSyncTask } from "../../functions/deploy-tasks.ts";
import { routes } from "../../functions/routes.ts";
import { createApi, type DeployedRoute } from "../../stacks/api.ts";
import { configSectionsOf } from "../../stacks/config-needs.ts";
import { FUNCTION_CLASSES, type FunctionContext } from "../../stacks/functions.ts";
import { createSecrets } from "../../stacks/secrets.ts";
import { createStorage } from "../../stacks/storage.ts";
import { installSstGlobals, known, StandInOutput, type Declarations, type StandInBucket } from "../fixtures/sst/globals.ts";
import { declaredFunctions, linkName, linkNames, MANIFESTS, requiredLinks, routeFunction, verifyDeclarations, type DeclaredFunction } from "../fixtures/sst/verify.ts";

const sst = installSstGlobals();
afterAll(() => sst.uninstall());
const { default: config } = await import("../../sst.config.ts");

const CATALOGUE_VARIABLES = Object.values(SETTINGS).flatMap((section) => (Object.values(section) as Setting[]).map((setting) => setting.env));

/** Runs the config for `stage` with exactly `env` as the deploy environment's settings. */
async function synthesize(stage: string, env: Record<string, string> = {}, options: { dev?: boolean } = {}) {
  const saved = Object.fromEntries(CATALOGUE_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of CATALOGUE_VARIABLES) delete process.env[name];
  Object.assign(process.env, env);
  try {
    const app = config.app({ stage });
    const declarations = sst.start(app, stage, options);
    const outputs = (await config.run()) as Record<string, unknown>;
    return { app, declarations, outputs };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

const production = await synthesize("production");
const dev = await synthesize("dev");

const routeOf = (declarations: Declarations, key: string): DeclaredFunction => routeFunction(declarations.routes.find((route) => route.rawRoute === key)!);
const functionsOf = (declarations: Declarations) => declaredFunctions(declarations);
const bucket = (declarations: Declarations, name: string): StandInBucket => declarations.buckets.find((declared) => declared.componentName === name)!;
const environmentOf = (fn: DeclaredFunction): Record<string, unknown> => known(fn.args.environment) ?? {};

describe("sst.config.ts app()", () => {
  it("retains production's resources and protects the stage from sst remove", () => {
    expect(production.app).toMatchObject({ name: "serverless-data-platform", home: "aws", removal: "retain", protect: true, providers: { aws: { region: "us-east-1" } } });
  });

  it("removes any other stage whole", () => {
    expect(dev.app).toMatchObject({ removal: "remove", protect: false });
  });
});

describe("sst.config.ts run()", () => {
  it.each([["production", production.declarations], ["dev", dev.declarations]])("%s: declares what the manifests say, linked to exactly what each handler reads, nothing public", (_stage, declarations) => {
    expect(verifyDeclarations(declarations)).toEqual([]);
  });

  it("declares one API with one route per manifest entry, and one function per cron and deploy task", () => {
    const { declarations } = production;

    expect(declarations.apis).toHaveLength(1);
    expect(declarations.routes.map((route) => route.rawRoute).sort()).toEqual(routes.map(routeKey).sort());
    expect(declarations.crons).toHaveLength(crons.length);
    expect(declarations.functions.map((fn) => known(fn.args.handler))).toEqual([dbSyncTask.handler]);
  });

  it("converts each cron's UTC schedule to AWS's six-field form", () => {
    const schedules = Object.fromEntries(production.declarations.crons.map((cron) => [cron.componentName, known(cron.args.schedule)]));

    expect(schedules).toEqual({
      FlushApiKeyUsageCron: "cron(* * * * ? *)",
      AiCallingCleanEndedSessionsCron: "cron(30 3 * * ? *)",
      AiCallingReconcileCallsCron: "cron(0/5 * * * ? *)",
      AiCallingRetryCallRecordingsCron: "cron(0/10 * * * ? *)",
      AiCallingDatabaseStatsCron: "cron(0 4 * * ? *)",
    });
  });

  it("sizes functions by class: CRUD, password hashing, provider calls, webhooks, jobs, deploy tasks", () => {
    const { declarations } = production;
    const sizing = (fn: DeclaredFunction) => ({ memory: known(fn.args.memory), timeout: known(fn.args.timeout) });

    expect(sizing(routeOf(declarations, "GET /ai-calling/agents"))).toEqual(FUNCTION_CLASSES.standard);
    expect(sizing(routeOf(declarations, "POST /car-sales/auth/login"))).toEqual(FUNCTION_CLASSES.password);
    expect(sizing(routeOf(declarations, "POST /delauto/auth/register"))).toEqual(FUNCTION_CLASSES.password);
    expect(sizing(routeOf(declarations, "POST /ai-calling/calls"))).toEqual(FUNCTION_CLASSES.provider);
    expect(sizing(routeOf(declarations, "POST /ai-calling/webhooks/exotel/status"))).toEqual(FUNCTION_CLASSES.webhook);
    for (const cron of functionsOf(declarations).filter((fn) => fn.origin.startsWith("cron "))) expect(sizing(cron)).toEqual(FUNCTION_CLASSES.job);
    expect(sizing(functionsOf(declarations).find((fn) => fn.origin === "function DbSync")!)).toEqual(FUNCTION_CLASSES.deploy);
  });

  it("links GET /health to its sections' secrets only: no bucket, no provider secret", () => {
    const health = routeOf(production.declarations, "GET /health");

    expect(linkNames(health).sort()).toEqual([...requiredLinks("functions/platform/health.handler").keys()].sort());
    expect(linkNames(health)).toContain("MongodbUri");
    expect(linkNames(health)).not.toEqual(expect.arrayContaining(["Recordings"]));
    for (const secret of ["MetaAppSecret", "MetaVerifyToken", "TwilioAuthToken", "ExotelCallbackSecret", "OpenaiApiKey", "AdminPassword", "Backups"]) {
      expect(linkNames(health)).not.toContain(secret);
    }
  });

  it("gives every function that reads the server section the API's URL as PUBLIC_BASE_URL", () => {
    const [api] = production.declarations.apis;
    const readers = functionsOf(production.declarations).filter((fn) => configSectionsOf(String(known(fn.args.handler))).includes("server"));

    expect(readers.length).toBeGreaterThan(routes.length);
    for (const fn of readers) expect(environmentOf(fn).PUBLIC_BASE_URL).toBe(api.url);
  });

  it("declares one secret per secret setting, asking a value only for those deployed code needs", () => {
    const secretSettings = Object.values(SETTINGS).flatMap((section) => Object.values(section) as Setting[]).filter((setting) => setting.secret);
    const linked = new Set(functionsOf(production.declarations).flatMap(linkNames));
    const optional = (setting: Setting) => setting.schema.safeParse(undefined).success;

    expect(production.declarations.secrets.map((secret) => secret.componentName).sort()).toEqual(secretSettings.map((setting) => setting.link!.name).sort());
    for (const setting of secretSettings) {
      const secret = production.declarations.secrets.find((declared) => declared.componentName === setting.link!.name)!;
      const placeholder = secret.placeholder === undefined ? undefined : known(secret.placeholder);
      expect([setting.env, placeholder]).toEqual([setting.env, linked.has(setting.link!.name) && !optional(setting) ? undefined : ""]);
    }
    expect(linked).toContain("MongodbUri");
  });

  it("keeps both buckets private and encrypted, recordings readable cross-origin by GET only", () => {
    const recordings = bucket(production.declarations, "Recordings");

    expect(recordings.args).toMatchObject({ encryption: true, cors: { allowOrigins: ["*"], allowMethods: ["GET", "HEAD"] } });
    expect(recordings.args).not.toHaveProperty("access");
    expect(recordings.args.transform?.publicAccessBlock).not.toBe(false);
  });

  it("versions backups and expires them, noncurrent versions too, after the backup retention", () => {
    const backups = bucket(production.declarations, "Backups");
    const lifecycle = { bucket: "backups", rules: [] as aws.s3.BucketLifecycleConfigurationRule[] };
    const transform = backups.args.transform?.lifecycle;
    if (typeof transform === "function") transform(lifecycle, {}, "BackupsLifecycle");

    expect(backups.args).toMatchObject({ encryption: true, versioning: true, cors: false, lifecycle: [{ expiresIn: `${BACKUP_RETENTION_DAYS} days` }] });
    expect(lifecycle.rules).toEqual([expect.objectContaining({
      status: "Enabled",
      expiration: { days: BACKUP_RETENTION_DAYS },
      noncurrentVersionExpiration: { noncurrentDays: BACKUP_RETENTION_DAYS },
    })]);
    expect(BACKUP_RETENTION_DAYS).toBe(30);
  });

  it("runs db:sync on every deploy: its function invoked with a trigger of this deploy", () => {
    const [fn] = production.declarations.functions;
    const [invocation] = production.declarations.invocations;
    const deployedAt = Date.parse(String(known(invocation.args.triggers)?.deployedAt));

    expect(fn.componentName).toBe("DbSync");
    expect(invocation.args.functionName).toBe(fn.name);
    expect(JSON.parse(String(known(invocation.args.input)))).toEqual({ stage: "production" });
    expect(Date.now() - deployedAt).toBeLessThan(60_000);
  });

  it("does not invoke db:sync under sst dev, whose functions run on the developer's machine", async () => {
    const { declarations } = await synthesize("dev", {}, { dev: true });

    expect(declarations.functions).toHaveLength(1);
    expect(declarations.invocations).toEqual([]);
  });

  it("prints the API URL and each webhook's URL for the providers' consoles", () => {
    const url = (production.declarations.apis[0].url as StandInOutput<string>).value;

    expect(production.outputs.api).toBe(production.declarations.apis[0].url);
    expect(known(production.outputs["webhook POST /ai-calling/webhooks/exotel/status"] as $util.Output<string>)).toBe(`${url}/ai-calling/webhooks/exotel/status`);
    expect(known(production.outputs["webhook GET /ai-calling/webhooks/exotel/passthru"] as $util.Output<string>)).toBe(`${url}/ai-calling/webhooks/exotel/passthru`);
  });
});

describe("deploy settings", () => {
  it("configures the API's CORS from CORS_ORIGINS, credentialed when the origins are listed", async () => {
    const { declarations } = await synthesize("production", { CORS_ORIGINS: "https://app.example.com, https://admin.example.com" });

    expect(declarations.apis[0].args.cors).toMatchObject({
      allowOrigins: ["https://app.example.com", "https://admin.example.com"],
      allowCredentials: true,
      allowMethods: expect.arrayContaining(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
      allowHeaders: expect.arrayContaining(["authorization", "content-type", "x-api-key"]),
    });
    expect(bucket(declarations, "Recordings").args.cors).toMatchObject({ allowOrigins: ["https://app.example.com", "https://admin.example.com"] });
    expect(production.declarations.apis[0].args.cors).toMatchObject({ allowOrigins: ["*"], allowCredentials: false });
  });

  it("passes plain settings to the functions whose sections hold them, and never the platform's own", async () => {
    const { declarations } = await synthesize("production", {
      LOG_LEVEL: "warn",
      ADMIN_EMAIL: "ops@example.com",
      AWS_REGION: "eu-west-1",
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:4569",
      PORT: "3001",
      RECORDINGS_BUCKET: "local-recordings",
    });
    const health = environmentOf(routeOf(declarations, "GET /health"));
    const dbSync = environmentOf(functionsOf(declarations).find((fn) => fn.origin === "function DbSync")!);

    expect(health).toMatchObject({ LOG_LEVEL: "warn" });
    expect(health).not.toHaveProperty("ADMIN_EMAIL");
    expect(dbSync).toMatchObject({ ADMIN_EMAIL: "ops@example.com" });
    for (const fn of functionsOf(declarations)) {
      expect(Object.keys(environmentOf(fn))).not.toEqual(expect.arrayContaining(["AWS_REGION"]));
      for (const variable of ["AWS_REGION", "AWS_ENDPOINT_URL_S3", "PORT", "RECORDINGS_BUCKET", "BACKUPS_BUCKET"]) expect(environmentOf(fn)).not.toHaveProperty(variable);
    }
  });

  it("gives stages other than production a database prefix and debug logs, production the documents' names", () => {
    expect(environmentOf(routeOf(dev.declarations, "GET /health"))).toMatchObject({ LOG_LEVEL: "debug", MONGODB_DATABASE_PREFIX: "dev_" });
    expect(environmentOf(routeOf(production.declarations, "GET /health"))).not.toHaveProperty("MONGODB_DATABASE_PREFIX");
    expect(environmentOf(routeOf(production.declarations, "GET /health"))).not.toHaveProperty("LOG_LEVEL");
  });

  it("fails the deploy on a malformed setting or a base URL on the deployer's machine, naming the variable", async () => {
    await expect(synthesize("production", { LOG_LEVEL: "verbose" })).rejects.toThrow(/LOG_LEVEL/);
    await expect(synthesize("production", { EXOTEL_API_BASE_URL: "http://127.0.0.1:4010" })).rejects.toThrow(/EXOTEL_API_BASE_URL .*cannot reach this machine/);
  });
});

describe("the synthesis checks", () => {
  /** A partial app for doctored manifests: the secrets, the buckets and the API alone. */
  function synthesizeApi(apiRoutes: DeployedRoute[]): Declarations {
    const declarations = sst.start(production.app, "production");
    const context: FunctionContext = { linkables: { ...createSecrets(), ...createStorage({ corsOrigins: ["*"] }) }, environment: {} };
    createApi({ context, corsOrigins: ["*"], routes: apiRoutes });
    return declarations;
  }
  const onlyRoutes = (apiRoutes: DeployedRoute[]) => ({ ...MANIFESTS, routes: apiRoutes, crons: [], deployTasks: [] });
  const ghost: DeployedRoute = { method: "GET", path: "/ghost", handler: "functions/platform/ghost.handler", summary: "A route without a handler" };

  /** The production declarations with one more route, declared like GET /health but with `handler` and `link`. */
  const withRoute = (route: DeployedRoute, link: unknown[] = []): Declarations => {
    const health = routeOf(production.declarations, "GET /health");
    const recorded = { ...production.declarations.routes[0], rawRoute: routeKey(route), handler: { ...health.args, handler: route.handler, link } };
    return { ...production.declarations, routes: [...production.declarations.routes, recorded] };
  };

  it("report a route added to the manifest without its handler file, which also fails the synthesis", () => {
    const manifests = { ...MANIFESTS, routes: [...routes, ghost] };

    expect(verifyDeclarations(withRoute(ghost), manifests)).toEqual([
      "route GET /ghost (functions/platform/ghost.handler): handler file functions/platform/ghost.ts does not exist",
    ]);
    expect(verifyDeclarations(production.declarations, manifests)).toEqual(["route GET /ghost: declared 0 times, not once"]);
    expect(() => synthesizeApi([...routes, ghost])).toThrow("functions/platform/ghost.handler: the handler file functions/platform/ghost.ts does not exist");
  });

  it("report a handler file without the named export, which also fails the synthesis", () => {
    const misnamed: DeployedRoute = { ...ghost, path: "/misnamed", handler: "functions/platform/health.nothing" };

    const healthLinks = known(routeOf(production.declarations, "GET /health").args.link)!;

    expect(verifyDeclarations(withRoute(misnamed, healthLinks), { ...MANIFESTS, routes: [...routes, misnamed] })).toEqual([
      "route GET /misnamed (functions/platform/health.nothing): functions/platform/health.ts does not export nothing",
    ]);
    expect(() => synthesizeApi([misnamed])).toThrow("functions/platform/health.nothing: functions/platform/health.ts does not export nothing");
  });

  it("report a handler that reads a secret it is not linked to, and a link it does not need", () => {
    const doctor = (edit: (link: unknown[]) => unknown[]): Declarations => ({
      ...production.declarations,
      routes: production.declarations.routes.map((route) => {
        if (route.rawRoute !== "GET /health") return route;
        const args = routeFunction(route).args;
        return { ...route, handler: { ...args, link: edit(known(args.link) ?? []) } };
      }),
    });
    const twilio = production.declarations.secrets.find((secret) => secret.componentName === "TwilioAuthToken");

    expect(verifyDeclarations(doctor((link) => link.filter((resource) => linkName(resource) !== "MongodbUri")))).toEqual([
      'route GET /health (functions/platform/health.handler): reads config("mongo") but is not linked to MongodbUri',
    ]);
    expect(verifyDeclarations(doctor((link) => [...link, twilio]))).toEqual([
      "route GET /health (functions/platform/health.handler): is linked to TwilioAuthToken, which its code does not read",
    ]);
  });

  it("report a handler reading the meta section declared with another handler's links, and pass it once generated", () => {
    const probe: DeployedRoute = { method: "GET", path: "/meta-probe", handler: "test/fixtures/sst/meta-reader.handler", summary: "Reads Meta's secrets" };
    const generated = synthesizeApi([probe]);
    const health = routeOf(production.declarations, "GET /health");
    const mislinked: Declarations = { ...generated, routes: [{ ...generated.routes[0], handler: { ...health.args, handler: probe.handler } }] };

    expect(linkNames(routeOf(generated, "GET /meta-probe"))).toEqual(expect.arrayContaining(["MetaAppSecret", "MetaVerifyToken"]));
    expect(verifyDeclarations(generated, onlyRoutes([probe]))).toEqual([]);
    expect(verifyDeclarations(mislinked, onlyRoutes([probe]))).toEqual(expect.arrayContaining([
      'route GET /meta-probe (test/fixtures/sst/meta-reader.handler): reads config("meta") but is not linked to MetaAppSecret',
      'route GET /meta-probe (test/fixtures/sst/meta-reader.handler): reads config("meta") but is not linked to MetaVerifyToken',
    ]));
  });
});
