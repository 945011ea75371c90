import { z } from 'zod';

/** True when `zone` is a time zone this runtime knows (IANA names such as Europe/Amsterdam, or UTC). */
function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The time zone dates are shown in (history, metrics); wall-clock, never the sandbox's scaled clock. */
export const TimeZoneSchema = z
  .string()
  .refine(knownTimeZone, 'must be an IANA time zone such as Europe/Amsterdam, or UTC')
  .default('UTC');
