/**
 * The deploy-task manifest: functions that are neither routes nor crons, run once by every
 * `sst deploy` (`stacks/db-sync.ts` declares and invokes them; a failure fails the deploy).
 * The manifest test counts their handlers as routed.
 */

export interface DeployTaskDefinition {
  /** kebab-case, unique. */
  name: string;
  /** `functions/<path>.<export>`, as SST names handlers. */
  handler: string;
  description: string;
}

export const dbSyncTask: DeployTaskDefinition = {
  name: "db-sync",
  handler: "functions/platform/db-sync.handler",
  description: "Apply every registered collection definition (validators, indexes) and create AI Calling's first admin, as npm run db:sync does",
};

export const deployTasks: DeployTaskDefinition[] = [dbSyncTask];
