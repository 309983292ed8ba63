/**
 * Migration files: `core/<system>/migrations/NNNN-kebab-name.ts`, each exporting `up` and `down`
 * (and optionally `description`). The four-digit number orders them and identifies them in the
 * database; the name says what they do. `createMigration` writes the next one from a template.
 *
 * @example
 * const migrations = await loadMigrations(migrationsDirectory("delauto"));
 * const { path } = await createMigration({ name: "add delivery priority", directory: migrationsDirectory("delauto") });
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SystemSlug } from "../systems.ts";
import type { Migration } from "./migrations.ts";

const FILE_NAME = /^(\d{4})-([a-z0-9]+(?:-[a-z0-9]+)*)\.ts$/;

/** Where a system's migration files live. */
export function migrationsDirectory(system: SystemSlug): string {
  return fileURLToPath(new URL(`../${system}/migrations/`, import.meta.url));
}

/** `0002-add-preferences` -> 2. */
export function migrationNumber(id: string): number {
  const number = /^(\d{4})-/.exec(id)?.[1];
  if (!number) throw new Error(`${id} is not a migration id (NNNN-kebab-name)`);
  return Number(number);
}

/** The migrations of a directory in order; none when it does not exist yet. */
export async function loadMigrations(directory: string): Promise<Migration[]> {
  if (!existsSync(directory)) return [];
  const files = (await readdir(directory)).filter((file) => file.endsWith(".ts")).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    if (!FILE_NAME.test(file)) throw new Error(`${join(directory, file)}: migration files are named NNNN-kebab-name.ts`);
    const module = await import(pathToFileURL(join(directory, file)).href);
    if (typeof module.up !== "function" || typeof module.down !== "function") throw new Error(`${join(directory, file)} must export up() and down()`);
    migrations.push({ id: file.slice(0, -3), description: typeof module.description === "string" ? module.description : undefined, up: module.up, down: module.down });
  }
  return migrations;
}

/**
 * Writes the next-numbered migration file of `directory` (created if missing) and returns its
 * id and path. `name` becomes kebab-case: "add delivery_priority" -> `0003-add-delivery-priority`.
 */
export async function createMigration({ name, directory }: { name: string; directory: string }): Promise<{ id: string; path: string }> {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (!slug) throw new Error(`"${name}" does not make a migration name: use letters and digits`);
  await mkdir(directory, { recursive: true });
  const numbers = (await readdir(directory)).map((file) => FILE_NAME.exec(file)?.[1]).filter((number) => number !== undefined).map(Number);
  const id = `${String(Math.max(0, ...numbers) + 1).padStart(4, "0")}-${slug}`;
  const path = join(directory, `${id}.ts`);
  await writeFile(path, template(id, slug.replaceAll("-", " ")), { flag: "wx" });
  return { id, path };
}

function template(id: string, description: string): string {
  return `/**
 * Migration ${id}.
 * \`npm run migrate -- up\` runs \`up\` in a transaction where the server supports them: pass
 * \`{ session }\` to every driver call so it joins it. Indexes are \`db:sync\`'s job (a transaction
 * cannot create them on an existing collection).
 */
import type { MigrationContext } from "#core/db/migrations.ts";

export const description = ${JSON.stringify(description)};

export async function up({ db, session }: MigrationContext): Promise<void> {
  // Bring the stored documents to the new shape, e.g.
  // await db.collection("users").updateMany({ preferences: { $exists: false } }, { $set: { preferences: {} } }, { session });
}

export async function down({ db, session }: MigrationContext): Promise<void> {
  // Undo exactly what up did, so that up then down leaves every document as it was.
}
`;
}
