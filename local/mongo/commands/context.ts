/** What every command handler receives, and the shared server state behind it. */
import type { Document } from "bson";
import { isNumeric, toNumber } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { evaluateExpression } from "../query/mingo-context.ts";
import type { Catalog } from "../storage/catalog.ts";
import type { CursorRegistry } from "../cursors.ts";
import type { SessionRegistry } from "../sessions.ts";
import type { TransactionManager } from "../transactions/manager.ts";
import type { RetryContext } from "../transactions/retryable.ts";
import type { Transaction } from "../transactions/transaction.ts";
import type { TtlMonitor } from "../storage/ttl-monitor.ts";

export interface ServerState {
  readonly catalog: Catalog;
  readonly cursors: CursorRegistry;
  readonly sessions: SessionRegistry;
  readonly transactions: TransactionManager;
  readonly ttl: TtlMonitor;
  readonly startedAt: Date;
  readonly port: number;
  connectionCount: number;
  /** What serverStatus reports as metrics.queryExecutor: documents examined by reads and writes. */
  readonly queryExecutor: { scannedObjects: number };
}

export interface ConnectionInfo {
  readonly id: number;
  readonly remote: string;
  /** The address (host:port) the client reached this server at, which `hello` reports as `me`. */
  readonly local: string;
}

export interface CommandContext {
  readonly state: ServerState;
  readonly connection: ConnectionInfo;
  /** The database named by `$db`. */
  readonly db: string;
  readonly command: Document;
  /** The command's name as the client spelled it (first key). */
  readonly name: string;
  /** The transaction the command runs in (`autocommit: false`); `state.catalog` is then its view. */
  readonly txn?: Transaction;
  /** For a retryable write (`txnNumber` without `autocommit`): its session's record of applied statements. */
  readonly retry?: RetryContext;
}

export type CommandHandler = (ctx: CommandContext) => Document;

/** The collection name a command targets (its first field's value), checked to be a string. */
export function targetCollection(ctx: CommandContext): string {
  const value = ctx.command[ctx.name];
  if (typeof value !== "string" || value.length === 0) {
    throw new CommandError(ErrorCodes.InvalidNamespace, `collection name has invalid type ${value === null ? "null" : typeof value}`);
  }
  return value;
}

export function optionalDocument(command: Document, field: string): Document | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new CommandError(ErrorCodes.TypeMismatch, `BSON field '${field}' is the wrong type '${Array.isArray(value) ? "array" : typeof value}', expected type 'object'`);
  }
  return value as Document;
}

export function optionalNumber(command: Document, field: string): number | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  const n = isNumeric(value) ? toNumber(value) : Number.NaN;
  if (Number.isNaN(n)) throw new CommandError(ErrorCodes.TypeMismatch, `BSON field '${field}' is the wrong type '${typeof value}', expected types '[long, int, decimal, double]'`);
  return n;
}

/**
 * The command's `let` variables. Each value is an aggregation expression evaluated once, before
 * the command runs (so `{$literal: "x"}` binds "x"), as the server does.
 */
export function letVariables(command: Document): Document | undefined {
  const variables = optionalDocument(command, "let");
  if (!variables) return undefined;
  return Object.fromEntries(Object.entries(variables).map(([name, expr]) => [name, evaluateExpression({}, expr)]));
}
