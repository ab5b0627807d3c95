// Schema pieces shared by several capabilities' routes, for requests and responses.
import { z } from 'zod';
import { isStorableInstant } from '../time.ts';

/** An ISO-8601 date-time the database can store (years 1000 to 9999). */
export const isoDateTime = z.string().refine((s) => isStorableInstant(Date.parse(s)), {
  message: 'must be an ISO-8601 date-time between the years 1000 and 9999',
});

/**
 * A moment in a response: the handler may hold a Date (from the database) or an ISO string; the answer is always an
 * ISO-8601 string, and the OpenAPI document says so.
 */
export const instant = z.codec(z.iso.datetime({ offset: true }), z.union([z.date(), z.string()]), {
  decode: (s) => new Date(s),
  encode: (v) => new Date(v).toISOString(),
});

/** Money in a response: an integer of minor units (fen/cents); PostgreSQL numeric columns arrive as strings. */
export const minorUnits = z.codec(z.number().int(), z.union([z.number(), z.string()]), {
  decode: (n) => n,
  encode: (v) => Number(v),
});

/** A JSON object whose keys are the caller's own (event properties, traits, settings): passed through as it is. */
export const jsonObject = z.record(z.string(), z.unknown());

/** The one error shape of every 4xx/5xx (kernel/http/errors.ts). */
export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), problems: z.array(z.object({ field: z.string(), message: z.string() })) }),
}).meta({ id: 'Error' });

export const okSchema = z.object({ ok: z.boolean() });
