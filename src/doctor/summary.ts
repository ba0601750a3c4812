/**
 * Findings → counts and the exit code, so a deploy script can gate on the doctor:
 * 0 nothing at error level, 1 an error-level finding, 2 usage error (the CLI's), 3 a node could
 * not be reached or refused the credentials: the audit is incomplete, which wins over 1 because
 * "no errors found" cannot be claimed for what was not looked at.
 */
import type { Finding, NodeReport, ReportSummary } from './report-model.js';

/** Exit codes of `respool doctor`. */
export const DOCTOR_EXIT_CODES = Object.freeze({
  ok: 0,
  errorFinding: 1,
  usage: 2,
  unreachable: 3,
} as const);

/** Count findings by severity and derive the exit code. */
export function summarise(
  findings: readonly Finding[],
  nodes: readonly NodeReport[],
): ReportSummary {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const f of findings) {
    if (f.severity === 'error') errors++;
    else if (f.severity === 'warning') warnings++;
    else infos++;
  }
  const exitCode = nodes.some((n) => n.error !== null)
    ? DOCTOR_EXIT_CODES.unreachable
    : errors > 0
      ? DOCTOR_EXIT_CODES.errorFinding
      : DOCTOR_EXIT_CODES.ok;
  return { errors, warnings, infos, exitCode };
}
