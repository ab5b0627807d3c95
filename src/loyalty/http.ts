// What every loyalty route shares: how a created-or-replayed answer is sent, how the actor is named in the ledger,
// and how a member id in the path becomes the surviving profile inside the workspace's transaction.
import type { FastifyReply } from 'fastify';
import { z } from 'zod';

/** 201 for what this request created, 200 for a replay answered with what the first one created. */
export const answer = (reply: FastifyReply, result: { duplicate?: boolean }) => reply.code(result.duplicate ? 200 : 201).send(result);

export { actorName } from '../access/actor.ts';

export const memberParams = z.object({ customerId: z.coerce.number().int().positive() });
export const idParams = z.object({ id: z.coerce.number().int().positive() });
export const reference = z.string().min(1).max(200);
