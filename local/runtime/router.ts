/**
 * Matches a request to a manifest route the way API Gateway HTTP APIs do: literal segments
 * before `{param}` segments, `{name+}` as a greedy tail, exact method.
 */
import type { RouteDefinition } from "#core/http/route.ts";

export interface RouteMatch {
  route: RouteDefinition;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: RouteDefinition;
  segments: string[];
  /** Sort key: more literal segments first, greedy last. */
  specificity: number;
}

export function createRouter(routes: RouteDefinition[]): (method: string, path: string) => RouteMatch | undefined {
  const compiled: CompiledRoute[] = routes
    .map((route) => {
      const segments = route.path.split("/").filter(Boolean);
      const literal = segments.filter((s) => !s.startsWith("{")).length;
      const greedy = segments.some((s) => s.endsWith("+}"));
      return { route, segments, specificity: literal * 2 - (greedy ? 1 : 0) };
    })
    .sort((a, b) => b.specificity - a.specificity);

  return (method, path) => {
    const parts = path.split("/").filter(Boolean).map(safeDecode);
    for (const candidate of compiled) {
      if (candidate.route.method !== method) continue;
      const params = matchSegments(candidate.segments, parts);
      if (params) return { route: candidate.route, params };
    }
    return undefined;
  };
}

function matchSegments(segments: string[], parts: (string | undefined)[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.startsWith("{") && segment.endsWith("+}")) {
      if (i >= parts.length || parts.slice(i).some((p) => p === undefined)) return undefined;
      params[segment.slice(1, -2)] = parts.slice(i).join("/");
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.startsWith("{")) params[segment.slice(1, -1)] = part;
    else if (segment !== part) return undefined;
  }
  return segments.length === parts.length ? params : undefined;
}

/** A malformed percent-escape matches nothing, as on API Gateway. */
function safeDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
