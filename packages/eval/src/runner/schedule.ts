/**
 * Schedules: how edits are grouped between restores. `single` edits one request and restores (the
 * paper's setting); `batch:n` applies n requests in one `apply` call; `sequential:n` applies n requests
 * one after another without restoring in between. Each group is evaluated after its edits, then restored.
 */

/** An edit schedule. */
export type Schedule = { kind: 'single' } | { kind: 'batch'; size: number } | { kind: 'sequential'; size: number };

/** Parses `single`, `batch:8`, `sequential:10`. */
export function parseSchedule(spec: string): Schedule {
  if (spec === 'single') return { kind: 'single' };
  const m = /^(batch|sequential):(\d+)$/.exec(spec);
  if (!m || Number(m[2]) < 1) throw new Error(`schedule must be 'single', 'batch:N' or 'sequential:N' with N >= 1 (got '${spec}')`);
  return { kind: m[1] as 'batch' | 'sequential', size: Number(m[2]) };
}

/** The schedule's canonical string. */
export function scheduleName(s: Schedule): string {
  return s.kind === 'single' ? 'single' : `${s.kind}:${s.size}`;
}

/** Splits items into the schedule's groups (deterministic, so a resumed run groups identically). */
export function scheduleGroups<T>(items: readonly T[], s: Schedule): T[][] {
  const size = s.kind === 'single' ? 1 : s.size;
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
