/**
 * MongoDB's error codes, as a real server names them, and the error the stand-in throws.
 * A command handler throws `CommandError`; the dispatcher turns it into `{ ok: 0, errmsg, code,
 * codeName, ...extra }`, the reply shape the driver turns into a `MongoServerError`.
 */
export const ErrorCodes = {
  InternalError: 1,
  BadValue: 2,
  NoSuchKey: 4,
  FailedToParse: 9,
  TypeMismatch: 14,
  InvalidLength: 16,
  IllegalOperation: 20,
  EmptyArrayOperation: 21,
  CannotBackfillArray: 34,
  InvalidBSON: 22,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  EmptyFieldName: 56,
  NotSingleValueField: 54,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  IndexAlreadyExists: 68,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  InvalidIndexSpecificationOption: 197,
  InvalidPipelineOperator: 168,
  CommandNotSupportedOnView: 166,
  OptionNotSupportedOnView: 167,
  QueryFeatureNotAllowed: 224,
  NoQueryExecutionPlans: 291,
  Location16410: 16410,
  DuplicateKey: 11000,
  DocumentValidationFailure: 121,
  InvalidViewDefinition: 182,
  NotImplemented: 238,
  Unauthorized: 13,
  APIStrictError: 323,
  Location40352: 40352,
  Location40324: 40324,
  Location15998: 15998,
  Location31249: 31249,
  Location51270: 51270,
  NamespaceNotSharded: 118,
  UnknownError: 8,
  // Sessions and transactions.
  WriteConflict: 112,
  ConflictingOperationInProgress: 117,
  CommandFailed: 125,
  IncompleteTransactionHistory: 217,
  TransactionTooOld: 225,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  OperationNotSupportedInTransaction: 263,
} as const;

export type ErrorCodeName = keyof typeof ErrorCodes;

/** Names for codes that share a number (e.g. the 43 of CursorNotFound). */
const CANONICAL_NAMES: Record<number, string> = {
  43: "CursorNotFound",
};

export const codeNameOf = (code: number): string =>
  CANONICAL_NAMES[code] ??
  (Object.entries(ErrorCodes).find(([, value]) => value === code)?.[0] ?? `Location${code}`);

export class CommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly extra: Record<string, unknown>;

  constructor(code: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.codeName = codeNameOf(code);
    this.extra = extra;
  }

  toReply(): Record<string, unknown> {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }
}

export const badValue = (message: string): CommandError => new CommandError(ErrorCodes.BadValue, message);
export const failedToParse = (message: string): CommandError =>
  new CommandError(ErrorCodes.FailedToParse, message);
export const typeMismatch = (message: string): CommandError =>
  new CommandError(ErrorCodes.TypeMismatch, message);

/** mingo's messages for errors the server reports with its own location codes. */
const LIBRARY_ERRORS: Array<[RegExp, number]> = [
  [/^Use of undefined variable/, 17276],
  [/^Invalid \$project|Cannot do exclusion/, 31254],
];

/**
 * A plain error thrown by mingo (or our own code) on bad input, as the closest server error:
 * its location code where known, BadValue otherwise.
 */
export function translateLibraryError(error: unknown): CommandError {
  const message = error instanceof Error ? error.message : String(error);
  const known = LIBRARY_ERRORS.find(([pattern]) => pattern.test(message));
  return new CommandError(known ? known[1] : ErrorCodes.BadValue, message);
}
