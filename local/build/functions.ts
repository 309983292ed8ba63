/**
 * The platform's Lambda functions as SST deploys them: one per route of `functions/routes.ts`,
 * one per job of `functions/crons.ts` and one per deploy task of `functions/deploy-tasks.ts`,
 * named by `functionNameOf`, each with what triggers it (the cold-init measurement sends that
 * trigger's event).
 */
import type { CronDefinition } from "#core/cron/definition.ts";
import { handlerReference, type RouteDefinition } from "#core/http/route.ts";
import { functionNameOf } from "#local/runtime/handlers.ts";
import { crons } from "../../functions/crons.ts";
import { deployTasks, type DeployTaskDefinition } from "../../functions/deploy-tasks.ts";
import { routes } from "../../functions/routes.ts";
import type { BundleTarget } from "./bundle.ts";

export type Trigger =
  | { kind: "http"; route: RouteDefinition }
  | { kind: "cron"; cron: CronDefinition }
  | { kind: "task"; task: DeployTaskDefinition };

export interface PlatformFunction extends BundleTarget {
  /** `functions/<path>.<export>`. */
  handler: string;
  exportName: string;
  trigger: Trigger;
}

const toFunction = (handler: string, trigger: Trigger): PlatformFunction => {
  const { file, exportName } = handlerReference(handler);
  return { name: functionNameOf(handler), entry: file, handler, exportName, trigger };
};

/** Routes, crons, then deploy tasks, in manifest order; a handler shared by two entries is one function. */
export function platformFunctions(): PlatformFunction[] {
  const all = [
    ...routes.map((route) => toFunction(route.handler, { kind: "http", route })),
    ...crons.map((cron) => toFunction(cron.handler, { kind: "cron", cron })),
    ...deployTasks.map((task) => toFunction(task.handler, { kind: "task", task })),
  ];
  return all.filter((fn, i) => all.findIndex((other) => other.name === fn.name) === i);
}

/** `GET /ai-calling/agents`, `cron ai-calling-reconcile-calls`, `deploy task db-sync`. */
export function triggerLabel(trigger: Trigger): string {
  if (trigger.kind === "http") return `${trigger.route.method} ${trigger.route.path}`;
  return trigger.kind === "cron" ? `cron ${trigger.cron.name}` : `deploy task ${trigger.task.name}`;
}
