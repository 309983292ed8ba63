/**
 * Loads manifest handlers (`functions/platform/health.handler`) in-process, once each, from the
 * repository root, as Lambda loads a function's module once per container.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import { handlerReference } from "#core/http/route.ts";

export const REPOSITORY_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const loaded = new Map<string, Promise<unknown>>();

export type LoadedHandler = (event: unknown, context: unknown) => Promise<unknown>;

export async function loadHandler(handler: string, root = REPOSITORY_ROOT): Promise<LoadedHandler> {
  const { file, exportName } = handlerReference(handler);
  const url = pathToFileURL(join(root, file)).href;
  if (!loaded.has(url)) loaded.set(url, import(url));
  const module = (await loaded.get(url)) as Record<string, unknown>;
  const exported = module[exportName];
  if (typeof exported !== "function") throw new Error(`${file} has no exported function "${exportName}"`);
  return exported as LoadedHandler;
}

/** The Lambda function name SST would derive: `functions/ai-calling/agents/get.handler` -> `AiCallingAgentsGet`. */
export function functionNameOf(handler: string): string {
  return handlerReference(handler).file.replace(/^functions\//, "").replace(/\.ts$/, "")
    .split(/[/_-]/).filter(Boolean).map((word) => word[0].toUpperCase() + word.slice(1)).join("");
}
