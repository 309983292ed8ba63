/**
 * `npm run build [-- --no-measure] [--only <name>,…] [--runs <n>] [--anonymous]`: bundles every
 * function as SST would deploy it (`bundle.ts`) into `dist/functions/<function name>/`, then
 * cold-starts each bundle in a fresh process against a local stack started for the run
 * (`cold-init.ts`) and prints one row per function (bundle size, import time, first-request
 * time, their sum, what it answered and which services that request reached), after the same
 * figures for the floor: a bare handler that imports only the driver and runs one `findOne`.
 * Then the three largest bundles with what fills them, and a closing line:
 *
 *   62 functions, bundle median 1554 KB (max 2016 KB), cold init median 221 ms (bare driver 94 ms)
 *
 * Exits non-zero when a function fails to bundle, to import, or to answer its first event.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { explain, note, print, runCli } from "#local/ops/output.ts";
import { startLocalStack } from "#local/runtime/stack.ts";
import { bundleComposition, bundleFunction, bundleFunctions, DIST_DIR, FUNCTIONS_DIST_DIR, type BundleResult } from "./bundle.ts";
import { firstEvent, measureColdInit, servicePorts, type ColdInit } from "./cold-init.ts";
import { platformFunctions, triggerLabel, type PlatformFunction } from "./functions.ts";

const USAGE = "usage: npm run build [-- --no-measure] [--only <function name>[,<function name>…]] [--runs <n>] [--anonymous]";
const FLOOR = { name: "bare-driver", entry: "local/build/bare-driver.ts" };
const FLOOR_LABEL = "bare driver (floor)";
const KB = 1024;

interface Options {
  measure: boolean;
  only?: string[];
  runs: number;
  anonymous: boolean;
}

function readArguments(): Options {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      measure: { type: "boolean", default: true },
      only: { type: "string", multiple: true },
      runs: { type: "string", default: "3" },
      anonymous: { type: "boolean", default: false },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not "${values.runs}"`);
  const only = values.only?.flatMap((list) => list.split(",")).map((name) => name.trim()).filter(Boolean);
  const names = new Set(platformFunctions().map((fn) => fn.name));
  const unknown = only?.filter((name) => !names.has(name)) ?? [];
  if (unknown.length > 0) throw new Error(`no function named ${unknown.join(", ")} (function names as SST derives them, e.g. PlatformHealth, AiCallingCronsReconcileCalls)`);
  return { measure: values.measure, only, runs, anonymous: values.anonymous };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const kb = (bytes: number): string => `${Math.round(bytes / KB)} KB`;
const ms = (value: number): string => `${Math.round(value)} ms`;

/** Fixed-width rows, printed as they are measured. */
function tableWriter(nameWidth: number, triggerWidth: number, measure: boolean) {
  const columns = measure
    ? [["function", nameWidth], ["trigger", triggerWidth], ["bundle", -8], ["import", -7], ["first req", -9], ["cold init", -9], ["answered", 8], ["reached", 0]] as const
    : [["function", nameWidth], ["trigger", triggerWidth], ["bundle", -8]] as const;
  // Negative widths right-align (numbers), positive ones left-align.
  const line = (cells: string[]) => cells.map((cell, i) => {
    const width = columns[i][1];
    return width < 0 ? cell.padStart(-width) : cell.padEnd(width);
  }).join("  ").trimEnd();
  return {
    header: () => print(line(columns.map(([title]) => title))),
    row: (name: string, trigger: string, bundle: BundleResult, coldInit?: ColdInit) => {
      if (bundle.errors.length > 0) return print(line([name, trigger, "FAILED", ...(measure ? ["", "", "", "bundle failed"] : [])]));
      if (!measure) return print(line([name, trigger, kb(bundle.bytes)]));
      if (!coldInit?.ok) return print(line([name, trigger, kb(bundle.bytes), "", "", "", "FAILED", coldInit?.error ?? ""]));
      print(line([name, trigger, kb(bundle.bytes), ms(coldInit.importMs), ms(coldInit.firstRequestMs), ms(coldInit.totalMs), coldInit.answer, coldInit.reached.join(", ") || "-"]));
    },
  };
}

/**
 * "mongodb 832 KB (41%: mongodb 451, tr46 231, bson 78, whatwg-url 47, …); zod 464 KB (23%); …":
 * what fills a bundle, by the dependency that brought it in, with its largest packages in KB.
 */
function composition(bundle: BundleResult, top = 5): string {
  const percent = (bytes: number) => `${Math.round((bytes / bundle.bytes) * 100)}%`;
  const shares = bundleComposition(bundle.metafile!, bundle.file).filter(({ bytes }) => bytes >= KB / 2);
  return shares.slice(0, top).map(({ dependency, bytes, parts }) => {
    const shown = parts.filter((part) => part.bytes >= KB / 2);
    const detail = shown.length > 1 ? `: ${shown.slice(0, 4).map((part) => `${part.name} ${Math.round(part.bytes / KB)}`).join(", ")}${shown.length > 4 ? ", …" : ""}` : "";
    return `${dependency} ${kb(bytes)} (${percent(bytes)}${detail})`;
  }).join("; ");
}

async function build({ measure, only, runs, anonymous }: Options): Promise<number> {
  const functions = platformFunctions().filter((fn) => !only || only.includes(fn.name));

  // A full build starts from an empty folder, so functions that left the manifests leave dist too.
  if (!only) rmSync(FUNCTIONS_DIST_DIR, { recursive: true, force: true });
  const started = performance.now();
  const [bundles, floor] = await Promise.all([bundleFunctions(functions), bundleFunction(FLOOR, { outDir: DIST_DIR })]);
  const failedBundles = [...bundles, floor].filter((bundle) => bundle.errors.length > 0);
  note("build", `bundled ${functions.length} function${functions.length === 1 ? "" : "s"} into ${FUNCTIONS_DIST_DIR} in ${((performance.now() - started) / 1000).toFixed(1)} s${failedBundles.length ? `, ${failedBundles.length} FAILED` : ""}`);
  for (const bundle of failedBundles) note("build", `${bundle.name} did not bundle:\n  ${bundle.errors.join("\n  ")}`);
  // One build serves every function, so each warning is reported once, not once per function.
  for (const warning of new Set([...bundles, floor].flatMap((bundle) => bundle.warnings))) note("build", `esbuild warning: ${warning}`);

  const table = tableWriter(Math.max(FLOOR_LABEL.length, ...functions.map((fn) => fn.name.length)), Math.max(...functions.map((fn) => triggerLabel(fn.trigger).length)), measure);
  const coldInits = measure ? await measureAll(functions, bundles, floor, { runs, anonymous, table }) : undefined;
  if (!measure) {
    table.header();
    functions.forEach((fn, i) => table.row(fn.name, triggerLabel(fn.trigger), bundles[i]));
  }

  const built = bundles.filter((bundle) => bundle.errors.length === 0);
  if (built.length > 0) {
    print("");
    print("largest bundles:");
    for (const bundle of [...built].sort((a, b) => b.bytes - a.bytes).slice(0, 3)) print(`  ${bundle.name} ${kb(bundle.bytes)}: ${composition(bundle)}`);
    if (floor.errors.length === 0) print(`  (${FLOOR_LABEL} ${kb(floor.bytes)}: ${composition(floor, 4)})`);
    print("");
  }

  const sizes = built.map((bundle) => bundle.bytes);
  let summary = `${functions.length} function${functions.length === 1 ? "" : "s"}, bundle median ${sizes.length ? kb(median(sizes)) : "-"} (max ${sizes.length ? kb(Math.max(...sizes)) : "-"})`;
  let failedColdInits = 0;
  if (coldInits) {
    const measured = coldInits.functions.filter((result): result is Extract<ColdInit, { ok: true }> => result?.ok === true);
    failedColdInits = coldInits.functions.filter((result) => result && (!result.ok || result.answer.startsWith("threw"))).length;
    const floorMs = coldInits.floor?.ok ? ms(coldInits.floor.totalMs) : "failed";
    summary += `, cold init median ${measured.length ? ms(median(measured.map((result) => result.totalMs))) : "-"} (bare driver ${floorMs})`;
  }
  print(summary);
  return failedBundles.length > 0 || failedColdInits > 0 || (coldInits !== undefined && !coldInits.floor?.ok) ? 1 : 0;
}

/** Starts a throwaway local stack, then cold-starts the floor and each bundle in turn. */
async function measureAll(functions: PlatformFunction[], bundles: BundleResult[], floor: BundleResult, { runs, anonymous, table }: { runs: number; anonymous: boolean; table: ReturnType<typeof tableWriter> }) {
  const dataDir = mkdtempSync(join(tmpdir(), "build-cold-init-"));
  // env {}: always the local stand-ins, never services configured for `npm start`.
  const stack = await startLocalStack({ dataDir, env: {}, record: false });
  try {
    for (const warning of stack.warnings) note("build", warning);
    note("build", `cold init: ${runs === 1 ? "one fresh process" : `median of ${runs} fresh processes`} per function, against ${stack.backing.mongo}; Redis ${stack.backing.redis}; S3 ${stack.backing.s3}`);
    const env = { ...process.env, ...stack.settings };
    const services = servicePorts(stack.settings);
    const accessSecret = anonymous ? undefined : stack.settings.JWT_ACCESS_SECRET;
    const floorJob = (event: unknown) => ({ file: floor.file, exportName: "handler", functionName: "BareDriver", event });

    let floorResult: ColdInit | undefined;
    if (floor.errors.length === 0) {
      // One unmeasured start first: it warms the file cache and the in-process stand-in, which
      // would otherwise be charged to whichever function ran first.
      await measureColdInit(floorJob({}), { env, services });
      floorResult = await measureColdInit(floorJob({}), { env, services, runs });
    }
    table.header();
    table.row(FLOOR_LABEL, "findOne", floor, floorResult);

    const results: (ColdInit | undefined)[] = [];
    for (const [i, fn] of functions.entries()) {
      const bundle = bundles[i];
      let result: ColdInit | undefined;
      if (bundle.errors.length === 0) {
        try {
          const event = await firstEvent(fn.trigger, { accessSecret });
          result = await measureColdInit({ file: bundle.file, exportName: fn.exportName, functionName: fn.name, event }, { env, services, runs });
        } catch (error) {
          result = { ok: false, error: explain(error) };
        }
      }
      results.push(result);
      table.row(fn.name, triggerLabel(fn.trigger), bundle, result);
    }
    return { floor: floorResult, functions: results };
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) await runCli("build", USAGE, readArguments, build);
