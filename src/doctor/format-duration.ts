/** Durations for people: whole seconds in, the two largest units out. */

/** `45` → `45s`, `750` → `12m30s`, `11100` → `3h05m`, `183600` → `2d03h`. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3_600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)}h${pad(Math.floor((s % 3_600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3_600))}h`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
