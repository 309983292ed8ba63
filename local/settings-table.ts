/**
 * `npm run --silent settings:table`: the README's configuration table, printed from the settings
 * catalogue (`core/config/settings.ts`), so the two cannot drift (a test compares them).
 */
import { SETTINGS, type Setting } from "#core/config/index.ts";

export function settingsTable(): string {
  const rows = Object.entries(SETTINGS).flatMap(([section, settings]) =>
    Object.values(settings as Record<string, Setting>).map((setting) => {
      const source = setting.link ? `\`${setting.link.name}\` (${setting.link.property === "name" ? "bucket" : "secret"})` : "environment";
      const fallback = defaultOf(setting);
      return `| \`${setting.env}\` | ${section} | ${source} | ${fallback} | ${setting.description} |`;
    }));
  return ["| variable | section | in AWS, from SST link | default | meaning |", "|---|---|---|---|---|", ...rows].join("\n");
}

function defaultOf(setting: Setting): string {
  if (setting.defaultText !== undefined) return `\`${setting.defaultText}\``;
  const parsed = setting.schema.safeParse(undefined);
  if (!parsed.success) return "required";
  if (parsed.data === undefined) return "optional";
  return `\`${Array.isArray(parsed.data) ? parsed.data.join(",") || "(none)" : String(parsed.data) || "(empty)"}\``;
}

if (import.meta.main) process.stdout.write(`${settingsTable()}\n`);
