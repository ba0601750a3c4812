/**
 * `--json`: the report model as is (schema: `report-model.ts`). One report is pretty-printed;
 * in watch mode each report is one line (JSON Lines), so a consumer can read them as a stream.
 */
import type { DoctorReport } from './report-model.js';

/** Serialise `report`; `compact` gives a single line. */
export function renderJson(report: DoctorReport, compact = false): string {
  return compact ? JSON.stringify(report) : JSON.stringify(report, null, 2);
}
