/**
 * Bundles Lambda functions the way SST v4's Node.js runtime does for a deploy
 * (`pkg/runtime/node/build.go` and the `nodejs` defaults of `sst.aws.Function`): ESM `.mjs`,
 * platform node, every dependency bundled except the native addons SST always leaves out,
 * `mainFields: ["module", "main"]`, names kept, minified (`nodejs.minify` defaults to true), and
 * SST's banner giving the ESM bundle the `require`, `__filename` and `__dirname` that bundled
 * CommonJS code still uses (the MongoDB driver `require()`s its optional peers inside try/catch).
 * The source map goes to an external `.map`, as SST generates it for the console: it is not part
 * of the deployed function unless `nodejs.sourcemap` is set, so sizes count `index.mjs` alone.
 * The target is `node24`, the Lambda runtime, where SST says `esnext`: the two differ by one
 * regular expression esbuild writes as `new RegExp(...)` for node24.
 *
 * Each function lands in `dist/functions/<function name>/` as `index.mjs`, `index.mjs.map` and
 * `metafile.json` (what went into the bundle, byte by byte).
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { build, type BuildFailure, type BuildOptions, type Message, type Metafile } from "esbuild";
import { REPOSITORY_ROOT } from "#local/runtime/handlers.ts";

export const DIST_DIR = join(REPOSITORY_ROOT, "dist");
export const FUNCTIONS_DIST_DIR = join(DIST_DIR, "functions");

/** SST's banner, verbatim in effect: ESM lacks these three, and bundled CommonJS code reads them. */
const BANNER = [
  `import { createRequire as topLevelCreateRequire } from "module";`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url";`,
  `const __filename = topLevelFileUrlToPath(import.meta.url);`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url));`,
].join("\n");

/** Native addons SST never bundles (it installs them for the Lambda architecture instead). */
const FORCE_EXTERNAL = ["sharp", "pg-native"];

/** What to bundle: the entry file (relative to the root) and the function's directory name. */
export interface BundleTarget {
  name: string;
  entry: string;
}

export interface BundleResult extends BundleTarget {
  /** `<outDir>/<name>/index.mjs`. */
  file: string;
  /** Size of `index.mjs` in bytes (0 when the build failed). */
  bytes: number;
  metafile?: Metafile;
  buildMs: number;
  /** esbuild's errors, one line each; empty when the bundle was written. */
  errors: string[];
  warnings: string[];
}

/** The esbuild options SST uses for a Node.js function in a deploy, less the entry point and output. */
export function sstBuildOptions(root = REPOSITORY_ROOT): BuildOptions {
  return {
    absWorkingDir: root,
    platform: "node",
    format: "esm",
    target: "node24",
    bundle: true,
    treeShaking: true,
    minify: true,
    keepNames: true,
    sourcemap: "linked",
    metafile: true,
    mainFields: ["module", "main"],
    external: FORCE_EXTERNAL,
    banner: { js: BANNER },
    logLevel: "silent",
  };
}

const formatMessage = ({ text, location }: Message): string =>
  location ? `${location.file}:${location.line}:${location.column}: ${text}` : text;

/** Bundles one function into `<outDir>/<name>/`, replacing what was there. Never throws for a build error: it is in `errors`. */
export async function bundleFunction(target: BundleTarget, { outDir = FUNCTIONS_DIST_DIR, root = REPOSITORY_ROOT }: { outDir?: string; root?: string } = {}): Promise<BundleResult> {
  const file = prepare(target, outDir);
  const started = performance.now();
  try {
    const result = await build({ ...sstBuildOptions(root), entryPoints: [target.entry], outfile: file });
    return written(target, file, result.metafile!, performance.now() - started, result.warnings);
  } catch (error) {
    return failed(target, file, error, performance.now() - started);
  }
}

/**
 * Bundles every target in one esbuild build with one entry point each. Without code splitting
 * esbuild tree-shakes each entry point on its own, so every `index.mjs` (and its map) is
 * byte-for-byte what a build of that function alone gives, as SST runs it; but the files all
 * functions share (the driver, zod, `core/`) are parsed once instead of once per function, a
 * several-fold saving with dozens of functions. A failed build says only which files broke, so
 * the functions are then bundled one by one to name the ones that fail.
 */
export async function bundleFunctions(targets: BundleTarget[], { outDir = FUNCTIONS_DIST_DIR, root = REPOSITORY_ROOT }: { outDir?: string; root?: string } = {}): Promise<BundleResult[]> {
  const files = targets.map((target) => prepare(target, outDir));
  const started = performance.now();
  let result;
  try {
    result = await build({
      ...sstBuildOptions(root),
      entryPoints: Object.fromEntries(targets.map((target) => [`${target.name}/index`, target.entry])),
      outdir: outDir,
      outExtension: { ".js": ".mjs" },
    });
  } catch {
    const results: BundleResult[] = [];
    for (const target of targets) results.push(await bundleFunction(target, { outDir, root }));
    return results;
  }
  const buildMs = performance.now() - started;
  return targets.map((target, i) => written(target, files[i], functionMetafile(result.metafile!, files[i], root), buildMs, result.warnings));
}

function prepare(target: BundleTarget, outDir: string): string {
  const directory = join(outDir, target.name);
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  return join(directory, "index.mjs");
}

function written(target: BundleTarget, file: string, metafile: Metafile, buildMs: number, warnings: Message[]): BundleResult {
  writeFileSync(join(file, "..", "metafile.json"), JSON.stringify(metafile));
  return { ...target, file, bytes: statSync(file).size, metafile, buildMs, errors: [], warnings: warnings.map(formatMessage) };
}

function failed(target: BundleTarget, file: string, error: unknown, buildMs: number): BundleResult {
  const failure = error as Partial<BuildFailure>;
  const errors = failure.errors?.length ? failure.errors.map(formatMessage) : [error instanceof Error ? error.message : String(error)];
  return { ...target, file, bytes: 0, buildMs, errors, warnings: failure.warnings?.map(formatMessage) ?? [] };
}

/**
 * One function's share of a build's metafile: its bundle, its map and every input its entry
 * point reaches (re-export files that leave no bytes in the output included, so the import graph
 * stays whole), which is what a build of that function alone would record.
 */
function functionMetafile(metafile: Metafile, file: string, root: string): Metafile {
  const key = relative(root, file);
  const reached = new Set<string>();
  const pending = [metafile.outputs[key].entryPoint!];
  while (pending.length > 0) {
    const input = pending.pop()!;
    if (reached.has(input) || !metafile.inputs[input]) continue;
    reached.add(input);
    for (const edge of metafile.inputs[input].imports) if (!edge.external) pending.push(edge.path);
  }
  return {
    inputs: Object.fromEntries([...reached].map((input) => [input, metafile.inputs[input]])),
    outputs: Object.fromEntries([key, `${key}.map`].filter((name) => metafile.outputs[name]).map((name) => [name, metafile.outputs[name]])),
  };
}

export interface BundleShare {
  /** A dependency our code imports (`mongodb`, `@aws-sdk/*`), `our code`, or `a + b` for files both pull in. */
  dependency: string;
  bytes: number;
  /** The npm packages (or, for our code, top-level folders) making up `bytes`, largest first. */
  parts: { name: string; bytes: number }[];
}

const packageOf = (input: string): string | undefined => input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];

/**
 * What a bundle is made of, by the dependency that brought it in: each bundled file is charged
 * to the package(s) our code imports that reach it (`tr46` and `whatwg-url` to `mongodb`,
 * `@smithy/*` to `@aws-sdk/client-s3`), our own files to `our code`. Largest first.
 */
export function bundleComposition(metafile: Metafile, file: string, root = REPOSITORY_ROOT): BundleShare[] {
  const output = metafile.outputs[relative(root, file)];
  if (!output) throw new Error(`${file} is not an output of this metafile`);
  const importsOf = (input: string) => (metafile.inputs[input]?.imports ?? []).filter((edge) => !edge.external && metafile.inputs[edge.path]).map((edge) => edge.path);

  const ours = Object.keys(metafile.inputs).filter((input) => !packageOf(input));
  const entries = ours.flatMap((input) => importsOf(input).filter((target) => packageOf(target)));
  // Packages of one scope we import side by side (`@aws-sdk/client-s3`, `@aws-sdk/s3-request-presigner`)
  // share most of their files: they are one dependency, `@aws-sdk/*`.
  const direct = new Set(entries.map((input) => packageOf(input)!));
  const scopeOf = (name: string) => (name.startsWith("@") ? name.split("/")[0] : undefined);
  const dependencyOf = (name: string) => {
    const scope = scopeOf(name);
    return scope && [...direct].filter((other) => scopeOf(other) === scope).length > 1 ? `${scope}/*` : name;
  };

  // Walk from each file our code imports in a package, through package files only.
  const reachedBy = new Map<string, Set<string>>();
  for (const start of entries) {
    const dependency = dependencyOf(packageOf(start)!);
    const pending = [start];
    while (pending.length > 0) {
      const current = pending.pop()!;
      const by = reachedBy.get(current) ?? new Set<string>();
      if (by.has(dependency)) continue;
      reachedBy.set(current, by.add(dependency));
      pending.push(...importsOf(current).filter((input) => packageOf(input)));
    }
  }

  const shares = new Map<string, Map<string, number>>();
  for (const [input, { bytesInOutput: bytes }] of Object.entries(output.inputs)) {
    if (bytes === 0) continue;
    const part = packageOf(input) ?? input.split("/").slice(0, 2).join("/");
    const dependency = packageOf(input) ? [...(reachedBy.get(input) ?? [part])].sort().join(" + ") : "our code";
    const parts = shares.get(dependency) ?? new Map<string, number>();
    shares.set(dependency, parts.set(part, (parts.get(part) ?? 0) + bytes));
  }
  const byBytes = <T extends { bytes: number }>(a: T, b: T) => b.bytes - a.bytes;
  return [...shares].map(([dependency, parts]) => {
    const list = [...parts].map(([name, bytes]) => ({ name, bytes })).sort(byBytes);
    return { dependency, bytes: list.reduce((sum, { bytes }) => sum + bytes, 0), parts: list };
  }).sort(byBytes);
}
