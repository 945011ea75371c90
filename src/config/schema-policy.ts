import { z } from 'zod';

// The parts of an environment's `policy` that the release policy module reads beyond roles and MFA:
// approvals, freeze windows and the channels writes may be asked from.

/** True when `zone` is an IANA time zone this runtime knows (Europe/Amsterdam, UTC...). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z
  .string()
  .refine(isTimeZone, 'must be an IANA time zone such as Europe/Amsterdam or UTC')
  .default('UTC');

/** `2026-12-24`, `2026-12-24T18:00` (local time in the window's zone), or ISO-8601 with Z or an offset. */
const when = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/,
    'must be a date (2026-12-24) or a date and time (2026-12-24T18:00, local to timeZone unless it ends in Z or an offset)',
  );

const clockTime = z
  .string()
  .regex(
    /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/,
    'must be a time of day such as 16:00 (24:00 is midnight at the end)',
  );

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export const FreezeWindowSchema = z
  .object({
    /** Shown with every refusal: why writes wait. */
    reason: z.string().min(1).max(300),
    /** The zone `from`, `until` and the weekly times are read in. */
    timeZone,
    /** A date range: from this moment (a date alone: its midnight)... */
    from: when.optional(),
    /** ...until this one (a date alone: its midnight, i.e. the day itself is not frozen). */
    until: when.optional(),
    /** A weekly window: on each of `days`, from `start` to `end` local time (an `end` before `start` runs into the next day). */
    weekly: z
      .object({
        days: z.array(z.enum(WEEKDAYS)).min(1),
        start: clockTime.default('00:00'),
        end: clockTime.default('24:00'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    const range = w.from !== undefined || w.until !== undefined;
    if (range === (w.weekly !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['weekly'],
        message:
          'give either a date range (from and until) or a weekly window (weekly: { days, start, end })',
      });
    } else if (range && (w.from === undefined || w.until === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'a date range needs both from and until' });
    }
  });
export type FreezeWindow = z.infer<typeof FreezeWindowSchema>;

export const ApprovalsSchema = z
  .object({
    /** Distinct people (never the requester) who must approve each write. */
    required: z.number().int().min(1).max(5).default(1),
    /**
     * Who may approve: role names (`deployer`, `admin`: that role or above), group names from
     * `access.groups`, or actor ids. Empty: anyone whose role may write here.
     */
    from: z.array(z.string().min(1)).default([]),
    /** Seconds an approval stays valid; a plan approved longer ago must be approved again. */
    ttlSeconds: z.number().int().min(30).max(86_400).default(900),
  })
  .strict();
export type ApprovalsSettings = z.infer<typeof ApprovalsSchema>;

/** `terminal`, `slack`, `dm`, or one Slack channel: `#jarvis-ci` or an id such as C0123ABCD. */
export const WriteOriginSchema = z
  .string()
  .regex(
    /^(terminal|slack|dm|#[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{6,})$/,
    'must be terminal, slack, dm, a Slack channel name such as #jarvis-ci, or a channel id such as C0123ABCD',
  );
