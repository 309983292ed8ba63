/**
 * A user's phones, with the one rule plain CRUD lacks: the agent a phone is assigned to must be
 * one of the caller's own. Another user's agent and a missing one are refused alike (400 on
 * `agentId`), so the answer never tells whether someone else's agent exists.
 *
 * @example
 * const phone = await PhoneAssignments.createPhone({ caller, input: body });
 * const moved = await PhoneAssignments.updatePhone({ caller, id, patch: { agentId: otherAgentId } });
 */
import type { Document, ObjectId } from "mongodb";
import { withDriverErrors } from "../db/errors.ts";
import { openRepository, type Caller } from "../db/repository.ts";
import { ValidationError } from "../errors.ts";
import { agents } from "./agents.ts";
import { phones, type Phone } from "./phones.ts";

/** Creates a phone for the caller (409 on `number` when the number is taken). */
export async function createPhone({ caller, input }: { caller: Caller; input: Document }): Promise<Phone> {
  await requireOwnAgent(caller, input.agentId);
  return openRepository(phones, { caller }).create(input);
}

/** Merge-patches one of the caller's phones (`agentId: null` unassigns it). */
export async function updatePhone({ caller, id, patch }: { caller: Caller; id: string; patch: Document }): Promise<Phone> {
  const repository = openRepository(phones, { caller });
  // Someone else's phone is a 404 whatever the patch says.
  await repository.get(id);
  await requireOwnAgent(caller, patch.agentId);
  return repository.update(id, patch);
}

async function requireOwnAgent(caller: Caller, agentId: ObjectId | null | undefined): Promise<void> {
  if (agentId === undefined || agentId === null) return;
  const { collection, scope } = openRepository(agents, { caller });
  const found = await withDriverErrors(() => collection.countDocuments({ _id: agentId, ...scope }, { limit: 1 }));
  if (!found) throw new ValidationError([{ path: "agentId", message: "must be one of your agents" }]);
}
