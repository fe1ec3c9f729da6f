/**
 * The EventBridge adapter: puts the mapped event on another bus (the target system's), and maps
 * PutEvents' per-entry errors onto the failure taxonomy.
 */
import type { ContractPlan } from '../../../lib/plan/types.js';
import type { EntryPutter } from '../../commons/aws.js';
import { deadline } from '../../commons/deadline.js';
import { ConfigSyncError, PermanentSyncError, TransientSyncError } from '../errors.js';
import type { ValueResolver } from '../values.js';
import type { DeliveryRequest, DeliveryResult, TargetAdapter } from './types.js';

type EventBridgeTarget = Extract<ContractPlan['target'], { adapter: 'eventbridge' }>;

export interface EventBridgeAdapterDeps {
  values: ValueResolver;
  entries: EntryPutter;
}

/** PutEvents error codes that retrying can fix. */
const TRANSIENT_CODES = /Throttl|InternalFailure|InternalException|ServiceUnavailable|RequestTimeout/i;
const CONFIG_CODES =
  /AccessDenied|NotAuthorized|ResourceNotFound|UnrecognizedClient|InvalidSignature|ExpiredToken/i;

export class EventBridgeAdapter implements TargetAdapter {
  private busArn?: string;

  constructor(
    private readonly contract: ContractPlan & { target: EventBridgeTarget },
    private readonly deps: EventBridgeAdapterDeps,
  ) {}

  async prepare(): Promise<void> {
    const arn = await this.deps.values.resolve(
      this.contract.target.busArn,
      `${this.contract.target.endpointId} bus`,
    );
    this.busArn = arn.value;
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    if (!this.busArn) await this.prepare();
    const target = this.contract.target;
    const system = target.system;
    let result: { errorCode?: string };
    const limit = deadline(target.timeoutSeconds * 1000, request.signal);
    try {
      result = await this.deps.entries.putEntry(
        {
          busArn: this.busArn ?? '',
          source: target.source,
          detailType: target.detailType,
          detail: JSON.stringify(request.body),
        },
        limit.signal,
      );
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'network';
      if (CONFIG_CODES.test(name))
        throw new ConfigSyncError(
          'aws-access-denied',
          `handoff may not put events on the ${system} bus (${name})`,
          { cause: error },
        );
      if (name === 'ValidationException')
        throw new PermanentSyncError('invalid-event', `the ${system} bus rejected the event (${name})`, {
          cause: error,
        });
      throw new TransientSyncError(
        'eventbridge-unavailable',
        `the ${system} bus did not accept the event (${name})`,
        { cause: error },
      );
    } finally {
      limit.clear();
    }
    if (!result.errorCode) return { outcome: 'delivered' };
    const code = result.errorCode;
    if (TRANSIENT_CODES.test(code))
      throw new TransientSyncError('eventbridge-throttled', `the ${system} bus is busy (${code})`);
    if (CONFIG_CODES.test(code))
      throw new ConfigSyncError(
        'aws-access-denied',
        `handoff may not put events on the ${system} bus (${code})`,
      );
    throw new PermanentSyncError('invalid-event', `the ${system} bus rejected the event (${code})`);
  }
}
