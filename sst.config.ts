/**
 * The SST v4 app: the whole platform on AWS (`npx sst deploy --stage production`), generated from
 * the route, cron and deploy-task manifests. This file only wires; each `stacks/<concern>.ts`
 * creates and owns its components.
 *
 * Stages: `production` keeps its data when resources go away (`removal: "retain"` leaves the
 * buckets behind) and refuses `sst remove` (`protect`); any other stage is removed whole.
 * Stacks are imported inside `run()`, where SST's globals exist.
 */
const PRODUCTION_STAGE = "production";

export default $config({
  app(input) {
    const production = input.stage === PRODUCTION_STAGE;
    return {
      name: "serverless-data-platform",
      removal: production ? "retain" : "remove",
      protect: production,
      home: "aws",
      providers: { aws: { region: process.env.AWS_REGION ?? "us-east-1" } },
    };
  },
  async run() {
    const { createSecrets, readDeploySettings } = await import("./stacks/secrets.ts");
    const { createStorage } = await import("./stacks/storage.ts");
    const { createApi } = await import("./stacks/api.ts");
    const { createCrons } = await import("./stacks/crons.ts");
    const { createDbSync } = await import("./stacks/db-sync.ts");

    const settings = readDeploySettings($app.stage);
    const secrets = createSecrets();
    const buckets = createStorage(settings);
    const context = { linkables: { ...secrets, ...buckets }, environment: settings.environment };

    const { api, webhooks } = createApi({ context, corsOrigins: settings.corsOrigins });
    const withApiUrl = { ...context, publicBaseUrl: api.url };
    createCrons({ context: withApiUrl });
    createDbSync({ context: withApiUrl });

    return { api: api.url, ...webhooks, recordings: buckets.Recordings.name, backups: buckets.Backups.name };
  },
});
