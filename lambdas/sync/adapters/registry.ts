/**
 * Adapter factories by name. handoff registers `http` and `eventbridge`; a team that needs another
 * kind of target implements TargetAdapter and registers a factory under a new name (and adds that
 * name to the contract schema's `target.adapter` enum).
 */
import type { ContractPlan } from '../../../lib/plan/types.js';
import { EventBridgeAdapter, type EventBridgeAdapterDeps } from './eventbridge.js';
import { HttpAdapter, type HttpAdapterDeps } from './http.js';
import type { TargetAdapter } from './types.js';

export type AdapterDeps = HttpAdapterDeps & EventBridgeAdapterDeps;
export type AdapterFactory = (contract: ContractPlan, deps: AdapterDeps) => TargetAdapter;

const factories = new Map<string, AdapterFactory>([
  [
    'http',
    (contract, deps) => new HttpAdapter(contract as ConstructorParameters<typeof HttpAdapter>[0], deps),
  ],
  [
    'eventbridge',
    (contract, deps) =>
      new EventBridgeAdapter(contract as ConstructorParameters<typeof EventBridgeAdapter>[0], deps),
  ],
]);

/** Registers (or replaces) the factory for an adapter name. */
export function registerAdapter(name: string, factory: AdapterFactory): void {
  factories.set(name, factory);
}

/** Creates the adapter a contract's target names. */
export function createAdapter(contract: ContractPlan, deps: AdapterDeps): TargetAdapter {
  const factory = factories.get(contract.target.adapter);
  if (!factory) throw new Error(`no adapter is registered for "${contract.target.adapter}"`);
  return factory(contract, deps);
}
