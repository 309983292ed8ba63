/**
 * db:sync on every deploy: the `db-sync` deploy task (`functions/deploy-tasks.ts`) as its own
 * function, invoked by `aws.lambda.Invocation` with a trigger that changes on every deploy. The
 * invocation is synchronous, and a function error fails the resource, so `sst deploy` fails when
 * a collection cannot be synced or an index conflict is left (fix it with
 * `npm run db:sync -- --rebuild` against that stage's database, then deploy again).
 */
import { dbSyncTask, type DeployTaskDefinition } from "../functions/deploy-tasks.ts";
import { componentName, functionArgs, type FunctionContext } from "./functions.ts";

export interface DbSyncStack {
  fn: sst.aws.Function;
  /** Absent under `sst dev`, whose functions are stubs forwarding to the developer's machine (`npm run db:sync` there). */
  invocation?: aws.lambda.Invocation;
}

export function createDbSync({ context, task = dbSyncTask, deployedAt = new Date() }: { context: FunctionContext; task?: DeployTaskDefinition; deployedAt?: Date }): DbSyncStack {
  const name = componentName(task.name);
  const fn = new sst.aws.Function(name, functionArgs(task.handler, "deploy", context, `${task.name}: ${task.description}`));
  if ($dev) return { fn };
  const invocation = new aws.lambda.Invocation(`${name}OnDeploy`, {
    // Depending on the function's name orders the invocation after the function's update, so
    // it runs the code being deployed.
    functionName: fn.name,
    input: JSON.stringify({ stage: $app.stage }),
    // An Invocation runs when created or when its triggers change: a new value each deploy.
    triggers: { deployedAt: deployedAt.toISOString() },
  });
  return { fn, invocation };
}
