import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, MongoClient } from "mongodb";
import type { ExpectedCommandEvent, ExpectedEventsForClient } from "./format.ts";
import { describeMismatch } from "./match.ts";

export type CommandEventKind = "commandStartedEvent" | "commandSucceededEvent" | "commandFailedEvent";

export type CapturedEvent =
  | { kind: "commandStartedEvent"; event: CommandStartedEvent }
  | { kind: "commandSucceededEvent"; event: CommandSucceededEvent }
  | { kind: "commandFailedEvent"; event: CommandFailedEvent };

export interface CaptureOptions {
  observeEvents: readonly string[];
  ignoreCommandMonitoringEvents?: readonly string[];
  observeSensitiveCommands?: boolean;
}

const COMMAND_EVENT_KINDS: readonly string[] = ["commandStartedEvent", "commandSucceededEvent", "commandFailedEvent"];

// Commands the command monitoring spec deems sensitive; the driver redacts them to `{}`.
const SENSITIVE_COMMANDS = new Set([
  "authenticate", "saslstart", "saslcontinue", "getnonce", "createuser", "updateuser",
  "copydbgetnonce", "copydbsaslstart", "copydb",
]);
const HELLO_COMMANDS = new Set(["hello", "ismaster"]);

/** Records one client's command events between entity creation and the end of the operations. */
export class CommandEventRecorder {
  readonly events: CapturedEvent[] = [];
  #capturing = true;

  constructor(client: MongoClient, options: CaptureOptions) {
    const unsupported = options.observeEvents.filter((kind) => !COMMAND_EVENT_KINDS.includes(kind));
    if (unsupported.length > 0) throw new Error(`unsupported observeEvents ${unsupported.join(", ")}`);
    const observed = new Set(options.observeEvents);
    const ignored = new Set(["configureFailPoint", ...(options.ignoreCommandMonitoringEvents ?? [])]);
    // Succeeded and failed events of a sensitive command are recognised by the started event's requestId.
    const sensitiveRequests = new Set<number>();
    const keep = (kind: CommandEventKind, commandName: string): boolean =>
      this.#capturing && observed.has(kind) && !ignored.has(commandName);

    client.on("commandStarted", (event) => {
      if (!options.observeSensitiveCommands && isSensitive(event.commandName, event.command)) {
        sensitiveRequests.add(event.requestId);
        return;
      }
      if (keep("commandStartedEvent", event.commandName)) this.events.push({ kind: "commandStartedEvent", event });
    });
    client.on("commandSucceeded", (event) => {
      if (sensitiveRequests.has(event.requestId) || (!options.observeSensitiveCommands && isSensitive(event.commandName, event.reply))) return;
      if (keep("commandSucceededEvent", event.commandName)) this.events.push({ kind: "commandSucceededEvent", event });
    });
    client.on("commandFailed", (event) => {
      if (sensitiveRequests.has(event.requestId) || (!options.observeSensitiveCommands && isSensitive(event.commandName, undefined))) return;
      if (keep("commandFailedEvent", event.commandName)) this.events.push({ kind: "commandFailedEvent", event });
    });
  }

  stop(): void {
    this.#capturing = false;
  }
}

// hello is sensitive only when it carries speculativeAuthenticate; the driver then redacts the
// command and reply to empty documents, which is the only trace left of it.
function isSensitive(commandName: string, document: unknown): boolean {
  const name = commandName.toLowerCase();
  if (SENSITIVE_COMMANDS.has(name)) return true;
  return HELLO_COMMANDS.has(name) && isEmptyDocument(document);
}

function isEmptyDocument(value: unknown): boolean {
  return value !== null && typeof value === "object" && Object.keys(value).length === 0;
}

/** Compares captured events with one `expectEvents` entry: same count, same order ([UTF §expectedEventsForClient]). */
export function describeEventsMismatch(
  expected: ExpectedEventsForClient,
  actual: readonly CapturedEvent[],
  options: { lenient?: boolean } = {},
): string | undefined {
  const eventType = expected.eventType ?? "command";
  if (eventType !== "command") return `unsupported eventType ${eventType}`;
  const countMatches = expected.ignoreExtraEvents ? actual.length >= expected.events.length : actual.length === expected.events.length;
  if (!countMatches) {
    return `${expected.client}: expected ${expected.events.length} events [${expected.events.map(describeExpected).join(", ")}], ` +
      `got ${actual.length} [${actual.map(describeCaptured).join(", ")}]`;
  }
  for (const [index, expectedEvent] of expected.events.entries()) {
    const failure = describeEventMismatch(expectedEvent, actual[index], `${expected.client} events[${index}]`, options.lenient);
    if (failure) return failure;
  }
  return undefined;
}

function describeEventMismatch(expected: ExpectedCommandEvent, captured: CapturedEvent, path: string, lenient?: boolean): string | undefined {
  const kinds = Object.keys(expected);
  if (kinds.length !== 1 || !COMMAND_EVENT_KINDS.includes(kinds[0])) return `${path}: unsupported expected event ${kinds.join(", ")}`;
  const kind = kinds[0] as CommandEventKind;
  if (captured.kind !== kind) return `${path}: expected ${describeExpected(expected)}, got ${describeCaptured(captured)}`;
  const assertions = expected[kind] as Record<string, unknown>;
  const event = captured.event;
  const at = `${path}.${kind}`;
  for (const [key, value] of Object.entries(assertions)) {
    let failure: string | undefined;
    switch (key) {
      case "command":
        failure = describeMismatch(value, (event as CommandStartedEvent).command, { lenient, root: true, path: `${at}.command` });
        break;
      case "reply":
        failure = describeMismatch(value, (event as CommandSucceededEvent).reply, { lenient, root: true, path: `${at}.reply` });
        break;
      case "commandName":
      case "databaseName": {
        const actual = (event as { commandName: string; databaseName?: string })[key];
        if (actual !== value) failure = `${at}.${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(actual)}`;
        break;
      }
      case "hasServiceId":
        if (Boolean(event.serviceId) !== value) failure = `${at}.hasServiceId: expected ${value}`;
        break;
      case "hasServerConnectionId":
        if ((event.serverConnectionId != null) !== value) failure = `${at}.hasServerConnectionId: expected ${value}`;
        break;
      default:
        failure = `${at}: unsupported assertion ${key}`;
    }
    if (failure) return failure;
  }
  return undefined;
}

function describeExpected(expected: ExpectedCommandEvent): string {
  const [kind] = Object.keys(expected) as CommandEventKind[];
  const assertions = (expected[kind] ?? {}) as { commandName?: string; command?: Record<string, unknown> };
  const name = assertions.commandName ?? (assertions.command ? Object.keys(assertions.command)[0] : "?");
  return `${shortKind(kind)} ${name}`;
}

function describeCaptured(captured: CapturedEvent): string {
  return `${shortKind(captured.kind)} ${captured.event.commandName}`;
}

function shortKind(kind: string): string {
  return kind.replace(/^command/, "").replace(/Event$/, "").toLowerCase();
}
