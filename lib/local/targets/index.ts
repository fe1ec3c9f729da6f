/**
 * Example target systems for the local layer: stand-ins for the helpdesk, CRM and billing APIs
 * and the analytics event bus the example contracts write to, with fault injection and durable
 * state, so the local layer can be run, demoed and used to rehearse incidents without SaaS accounts.
 *
 *   const targets = await startExampleTargets({ dataDir: '.handoff/local/targets', credentials });
 *   const { env, secrets } = wiringForPlan(plan, targets, credentials);
 *   targets.setFault('crm', { mode: 'error', status: 503 });
 *   targets.state('helpdesk').resources['/api/v2/users/42'];
 *   await targets.close();
 */
export type { AdminAnswer, FaultStatus } from './admin.js';
export {
  BUS_PREFIX,
  BUS_SYSTEM_ID,
  HTTP_SYSTEM_IDS,
  HTTP_SYSTEMS,
  type HttpSystemId,
  type HttpSystemSpec,
  SYSTEM_IDS,
  type SystemId,
} from './catalog.js';
export { FaultSpecError, TargetsConfigError, TargetsError, TargetsStoreError } from './errors.js';
export { PUT_EVENTS_LIMITS } from './event-bus.js';
export {
  DEFAULT_DELAY_MS,
  DEFAULT_FAILURE_RATE,
  DEFAULT_FAULT_STATUS,
  FAULT_MODES,
  type FaultMode,
  type FaultSpec,
  parseFaultSpec,
  seededRandom,
} from './faults.js';
export { HANDOFF_HEADERS } from './http-system.js';
export {
  type ExampleTargets,
  type ExampleTargetsOptions,
  type FaultInput,
  startExampleTargets,
} from './server.js';
export type { BusCredentials } from './sigv4.js';
export type {
  BusEvent,
  BusState,
  HttpSystemState,
  RecoveryReport,
  RequestCounts,
  RequestRecord,
  StoredResource,
} from './store.js';
export { type TargetsWiring, wiringForPlan } from './wiring.js';
