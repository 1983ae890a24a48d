// The worker's workflowsPath: every workflow the worker runs, and nothing that is not deterministic.
export { phonemeAlignmentWorkflow } from './alignment';
export { memoryMaintenanceWorkflow } from './memory-maintenance';
export { privacyDeleteWorkflow, privacyExportWorkflow } from './privacy';
export { sessionSummaryWorkflow } from './session-summary';
