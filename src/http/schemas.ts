// Request schema pieces shared by several capabilities' routes.
import { z } from 'zod';
import { isStorableInstant } from '../kernel/time.ts';

/** An ISO-8601 date-time the database can store (years 1000 to 9999). */
export const isoDateTime = z.string().refine((s) => isStorableInstant(Date.parse(s)), {
  message: 'must be an ISO-8601 date-time between the years 1000 and 9999',
});
