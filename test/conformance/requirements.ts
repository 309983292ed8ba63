import type { MongoClient } from "mongodb";
import type { RunOnRequirement } from "./format.ts";
import { describeMismatch, formatValue } from "./match.ts";

export type Version = [number, number, number];

/** What runOnRequirements are evaluated against ([UTF §runOnRequirement]). */
export interface ServerProfile {
  version: Version;
  /** single, replicaset, sharded, load-balanced or unknown. */
  topology: string;
  serverless: boolean;
  auth: boolean;
  /** The server parameter's value, or undefined when the server does not report it. */
  getParameter(name: string): Promise<unknown>;
}

/** Parses "4.2", "4.2.1" or "4.9.0-alpha4-271-g7d5cf02"; missing parts are 0, extra parts ignored. */
export function parseVersion(text: string): Version | undefined {
  const parts = text.split("-")[0].split(".");
  if (parts.length === 0 || parts.some((part) => !/^\d+$/.test(part))) return undefined;
  const [major = 0, minor = 0, patch = 0] = parts.slice(0, 3).map(Number);
  return [major, minor, patch];
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return 0;
}

export function formatVersion(version: Version): string {
  return version.join(".");
}

/**
 * Why a runOnRequirements list is not satisfied, or undefined when it is. An absent list is
 * satisfied; otherwise any one satisfied element suffices.
 */
export async function unmetRequirements(
  requirements: RunOnRequirement[] | undefined,
  server: ServerProfile,
): Promise<string | undefined> {
  if (requirements === undefined) return undefined;
  const reasons: string[] = [];
  for (const requirement of requirements) {
    const reason = await unmetRequirement(requirement, server);
    if (reason === undefined) return undefined;
    reasons.push(reason);
  }
  return reasons.length === 0 ? "empty runOnRequirements list" : reasons.join("; or ");
}

export async function unmetRequirement(requirement: RunOnRequirement, server: ServerProfile): Promise<string | undefined> {
  const serverVersion = formatVersion(server.version);
  for (const [key, value] of Object.entries(requirement)) {
    switch (key) {
      case "minServerVersion":
      case "maxServerVersion": {
        const bound = parseVersion(String(value));
        if (bound === undefined) return `invalid ${key} ${formatValue(value)}`;
        const comparison = compareVersions(server.version, bound);
        if (key === "minServerVersion" && comparison < 0) return `needs server >= ${value} (server is ${serverVersion})`;
        if (key === "maxServerVersion" && comparison > 0) return `needs server <= ${value} (server is ${serverVersion})`;
        break;
      }
      case "topologies": {
        const topologies = value as string[];
        const accepted = topologies.some((name) => name === server.topology || (name === "sharded-replicaset" && server.topology === "sharded"));
        if (!accepted) return `needs topology ${topologies.join(" or ")} (server is ${server.topology})`;
        break;
      }
      case "serverless":
        if (value === "require" && !server.serverless) return "needs serverless";
        if (value === "forbid" && server.serverless) return "forbids serverless";
        break;
      case "auth":
        if (value !== server.auth) return value ? "needs authentication" : "needs authentication disabled";
        break;
      case "authMechanism":
        if (!server.auth) return `needs authentication mechanism ${value}`;
        break;
      case "csfle":
        if (value !== false) return "needs client-side field level encryption";
        break;
      case "serverParameters":
        for (const [name, expected] of Object.entries(value as Record<string, unknown>)) {
          const actual = await server.getParameter(name);
          if (actual === undefined || describeMismatch(expected, actual, { root: false }) !== undefined) {
            return `needs server parameter ${name} = ${formatValue(expected)} (server has ${formatValue(actual)})`;
          }
        }
        break;
      default:
        return `unsupported requirement ${key}`;
    }
  }
  return undefined;
}

const TOPOLOGY_NAMES: Record<string, string> = {
  Single: "single",
  ReplicaSetNoPrimary: "replicaset",
  ReplicaSetWithPrimary: "replicaset",
  Sharded: "sharded",
  LoadBalanced: "load-balanced",
};

/**
 * Reads the server profile through the internal client. The client must have been created but not
 * yet connected, so that the discovered topology type is seen.
 */
export async function readServerProfile(client: MongoClient, uri: string): Promise<ServerProfile> {
  let topologyType = "Unknown";
  client.on("topologyDescriptionChanged", (event) => {
    topologyType = event.newDescription.type;
  });
  await client.connect();
  const buildInfo = await client.db("admin").command({ buildInfo: 1 });
  const versionArray = buildInfo.versionArray as unknown[] | undefined;
  if (!Array.isArray(versionArray) || versionArray.length < 3) {
    throw new Error(`buildInfo has no usable versionArray: ${formatValue(buildInfo)}`);
  }
  const version = versionArray.slice(0, 3).map(Number) as Version;
  const parameters = new Map<string, Promise<unknown>>();
  return {
    version,
    topology: TOPOLOGY_NAMES[topologyType] ?? "unknown",
    serverless: false,
    auth: hasCredentials(uri),
    getParameter(name) {
      let value = parameters.get(name);
      if (value === undefined) {
        // A parameter the server cannot report counts as not equal ([UTF §runOnRequirement]).
        value = client.db("admin").command({ getParameter: 1, [name]: 1 }).then((reply) => reply[name], () => undefined);
        parameters.set(name, value);
      }
      return value;
    },
  };
}

function hasCredentials(uri: string): boolean {
  const authority = uri.replace(/^mongodb(\+srv)?:\/\//, "").split(/[/?]/)[0];
  return authority.includes("@");
}
