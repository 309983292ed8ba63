/**
 * Reading call logs: the list with the document's filters (status, direction, agent, numbers,
 * all equality, whitelisted in the definition) and a `from`/`to` range on `createdAt`, and one
 * log. Every log is shown with its recording as a presigned link to our copy.
 *
 * A date-only bound covers its whole UTC day (`to=2024-01-15` includes that evening); a bound
 * with a time is taken to the millisecond. Both ends are inclusive.
 *
 * @example
 * const page = await CallLogHistory.listCallLogs({ caller, query });  // ?status=completed&from=2024-01-01
 * const log = await CallLogHistory.getCallLog({ caller, id });
 */
import * as z from "zod";
import { openRepository, type Caller, type Page } from "../db/repository.ts";
import { callLogs, type CallLog } from "./call-logs.ts";
import { presentRecordingUrl } from "./call-recordings.ts";
import { extendListQuery } from "./list-params.ts";

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** An ISO 8601 date or date-time with a zone; a date alone stands for its first or last instant. */
const bound = (end: "start" | "end", description: string) =>
  z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: "must be an ISO 8601 date (2024-01-15) or date-time with a zone" })
    .transform((text) => (DATE_ONLY.test(text) && end === "end" ? new Date(Date.parse(text) + DAY_MS - 1) : new Date(text)))
    .optional()
    .describe(description);

export const callLogListQuery = extendListQuery(
  callLogs,
  {
    from: bound("start", "Calls created at or after this date (a date alone: from its start, UTC)"),
    to: bound("end", "Calls created at or before this date (a date alone: to its end, UTC)"),
  },
  (query, ctx) => {
    if (query.from && query.to && query.from > query.to) ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
  },
);

export type CallLogListQuery = z.output<typeof callLogListQuery>;

export async function listCallLogs({ caller, query }: { caller: Caller; query: CallLogListQuery }): Promise<Page<Record<string, unknown>>> {
  const { from, to, ...list } = query;
  const createdAt = { ...(from && { $gte: from }), ...(to && { $lte: to }) };
  const filters = Object.keys(createdAt).length ? { ...list.filters, createdAt } : list.filters;
  const page = await openRepository(callLogs, { caller }).list({ ...list, filters });
  return { data: await Promise.all(page.data.map(presentCallLog)), nextCursor: page.nextCursor };
}

export async function getCallLog({ caller, id }: { caller: Caller; id: string }): Promise<Record<string, unknown>> {
  return presentCallLog(await openRepository(callLogs, { caller }).get(id));
}

/** A log as the API shows it: `recordingUrl` a presigned link when it names our copy. */
export async function presentCallLog(log: CallLog): Promise<Record<string, unknown>> {
  const shown = callLogs.toApi(log);
  const recordingUrl = await presentRecordingUrl(log.recordingUrl);
  return recordingUrl === undefined ? shown : { ...shown, recordingUrl };
}
