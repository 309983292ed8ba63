/**
 * Which configuration sections a function reads, found by walking its handler's imports (static
 * and dynamic, relative and `#core/…` aliases) and collecting the `config("<section>")` calls of
 * every module reached. The stacks link each function to exactly the SST resources those
 * sections come from (least privilege), so a link is never listed by hand, and a handler that
 * starts reading a new section gets its link on the next deploy.
 *
 * @example
 * configSectionsOf("functions/ai-calling/agents/list.handler"); // ["jwt", "mongo", "redis", "server", …]
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;
const SECTION_READ = /\bconfig\(\s*["']([a-z]+)["']\s*\)/g;

function aliases(root: string): Record<string, string> {
  const { imports = {} } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { imports?: Record<string, string> };
  return imports;
}

/** The repository file an import names, or undefined for a package. */
function resolveImport(specifier: string, from: string, root: string, aliasMap: Record<string, string>): string | undefined {
  if (specifier.startsWith(".")) return resolve(dirname(from), specifier);
  for (const [pattern, target] of Object.entries(aliasMap)) {
    const prefix = pattern.replace(/\*$/, "");
    if (pattern.endsWith("*") && specifier.startsWith(prefix)) return resolve(root, target.replace(/\*$/, "") + specifier.slice(prefix.length));
  }
  return undefined;
}

/** Every repository module a file reaches through its imports, itself included. */
export function modulesReachedFrom(file: string, root = REPOSITORY_ROOT): string[] {
  const aliasMap = aliases(root);
  const seen = new Set<string>();
  const pending = [resolve(root, file)];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (seen.has(current) || !existsSync(current)) continue;
    seen.add(current);
    for (const [, specifier] of readFileSync(current, "utf8").matchAll(IMPORT)) {
      const target = resolveImport(specifier, current, root, aliasMap);
      if (target?.endsWith(".ts")) pending.push(target);
    }
  }
  return [...seen].sort();
}

/** The configuration sections a handler (`functions/<path>.<export>`) reads, sorted. */
export function configSectionsOf(handler: string, root = REPOSITORY_ROOT): string[] {
  const file = `${handler.slice(0, handler.lastIndexOf("."))}.ts`;
  const sections = new Set<string>();
  for (const module of modulesReachedFrom(file, root)) {
    for (const [, section] of readFileSync(module, "utf8").matchAll(SECTION_READ)) sections.add(section);
  }
  return [...sections].sort();
}
