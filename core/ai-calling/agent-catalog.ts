/**
 * A user's agents beyond plain CRUD: the list with full-text search over names (the document's
 * `{ name: "text" }` index), and deletion that refuses while phones still answer with the agent.
 *
 * Deleting an assigned agent is a 409 rather than a silent unassignment: those numbers would stop
 * having anyone to answer their calls, and the user should choose which agent takes them over.
 *
 * @example
 * const page = await AgentCatalog.listAgents({ caller, query });  // ?q=support: ranked, one page
 * await AgentCatalog.removeAgent({ caller, id });                   // 409 agentId while assigned
 */
import type { ObjectId } from "mongodb";
import * as z from "zod";
import { withDriverErrors } from "../db/errors.ts";
import { openRepository, type Caller, type Page } from "../db/repository.ts";
import { ConflictError } from "../errors.ts";
import { agents, type Agent } from "./agents.ts";
import { extendListQuery } from "./list-params.ts";
import { phones } from "./phones.ts";

/** How many of the assigned numbers a refusal names. */
const NAMED_PHONES = 5;

/** The agents list's query: API.md's parameters plus `q`, which ranks instead of paging. */
export const agentListQuery = extendListQuery(
  agents,
  { q: z.string().trim().min(1).max(200).optional().describe("Full-text search over agent names: results ranked by relevance, one page of up to `limit`, `nextCursor` null") },
  (query, ctx) => {
    if (query.q === undefined) return;
    for (const name of ["sort", "cursor"] as const) {
      if (query[name] !== undefined) ctx.addIssue({ code: "custom", path: [name], message: "cannot be combined with q: search results are ranked by relevance, in one page" });
    }
  },
);

export type AgentListQuery = z.output<typeof agentListQuery>;

/** The caller's agents: a page in the requested order, or with `q` the best matches first. */
export async function listAgents({ caller, query }: { caller: Caller; query: AgentListQuery }): Promise<Page<Agent>> {
  const repository = openRepository(agents, { caller });
  if (query.q === undefined) return repository.list(query);
  const filter = { ...repository.scope, ...query.filters, $text: { $search: query.q } };
  const data = await withDriverErrors(() =>
    repository.collection.find(filter).sort({ score: { $meta: "textScore" }, _id: -1 }).limit(query.limit).toArray());
  return { data, nextCursor: null };
}

/**
 * Deletes one of the caller's agents.
 * @throws NotFoundError when it is not the caller's; ConflictError (`agentId`) while phones use it.
 */
export async function removeAgent({ caller, id }: { caller: Caller; id: string }): Promise<void> {
  const agentRepository = openRepository(agents, { caller });
  const agent = await agentRepository.get(id);
  const phoneRepository = openRepository(phones, { caller });
  const assigned = await withDriverErrors(() =>
    phoneRepository.collection.find({ ...phoneRepository.scope, agentId: agent._id }, { projection: { number: 1 } }).limit(NAMED_PHONES + 1).toArray());
  if (assigned.length) {
    const numbers = assigned.slice(0, NAMED_PHONES).map((phone) => phone.number).join(", ");
    throw new ConflictError("agentId", `the agent answers calls on ${numbers}${assigned.length > NAMED_PHONES ? " and more" : ""}; assign those phones another agent (or none) first`);
  }
  await agentRepository.remove(agent._id);
  await unassign(agent._id);
}

/** A phone assigned between the check and the delete must not point at an agent that is gone. */
async function unassign(agentId: ObjectId): Promise<void> {
  const { collection } = openRepository(phones);
  await withDriverErrors(() => collection.updateMany({ agentId }, { $unset: { agentId: "" }, $set: { updatedAt: new Date() } }));
}
