/**
 * The five systems the platform serves: URL slug, display name and MongoDB database, as
 * DESIGN.md fixes them. Everything keyed by system (routes, databases, JWT audiences) uses the slug.
 */
export const SYSTEMS = {
  "car-sales": { name: "Car Sales AI Assistant", database: "car-sales-assistant", spec: "000_296a01776c2703e8.txt" },
  delauto: { name: "DelAuto", database: "delauto", spec: "001_6d3d0c646131b89b.txt" },
  "sales-automation": { name: "AI Sales Automation OS", database: "sales-automation", spec: "002_2f14315029ecadd5.txt" },
  automedia: { name: "AutoMedia", database: "automedia", spec: "003_eb5671425b9065b5.txt" },
  "ai-calling": { name: "AI Calling Platform", database: "ai-calling-platform", spec: "004_dda21a1abe431b88.txt" },
} as const;

export type SystemSlug = keyof typeof SYSTEMS;

export const SYSTEM_SLUGS = Object.keys(SYSTEMS) as SystemSlug[];

export const isSystemSlug = (value: string): value is SystemSlug => Object.hasOwn(SYSTEMS, value);
