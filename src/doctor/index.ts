/**
 * `respool/doctor`: the audit behind `respool doctor`, for programs that want the report itself
 * (a health endpoint, a CI check). Re-exports only. Nothing under `respool` imports this entry,
 * so `import 'respool'` never loads the doctor (test/integration/package.test.ts checks it).
 */

export {
  DEFAULT_DOCTOR_OPTIONS,
  type DoctorOptions,
  DoctorSession,
  runDoctor,
} from './doctor.js';
export { renderJson } from './render-json.js';
export { renderText } from './render-text.js';
export type {
  ClientGroup,
  DoctorReport,
  Finding,
  NodeReport,
  ReportSummary,
  Severity,
} from './report-model.js';
export { DOCTOR_SCHEMA_VERSION } from './report-model.js';
export { type WatchOptions, watchDoctor } from './watch.js';
