/**
 * Building a finding: the checks write their advice as separate actions (each with its command,
 * when there is one), and the one-paragraph `recommendation` older consumers read is derived
 * from them here, so the two can never say different things.
 */
import type { Finding, FindingAction } from '../report-model.js';

/** A finding whose `recommendation` is its `actions` as one paragraph. */
export function finding(parts: Omit<Finding, 'recommendation'>): Finding {
  return { ...parts, recommendation: recommendationOf(parts.actions) };
}

/** An action; `command` verbatim, or none. */
export function action(text: string, command: string | null = null): FindingAction {
  return { text, command };
}

/** `actions` as one paragraph: each sentence, its command after a colon. */
export function recommendationOf(actions: readonly FindingAction[]): string {
  return actions
    .map((a) =>
      a.command === null ? ensureStop(a.text) : `${a.text.replace(/[.:]$/, '')}: ${a.command}.`,
    )
    .join(' ');
}

function ensureStop(text: string): string {
  return /[.!?)]$/.test(text) ? text : `${text}.`;
}
