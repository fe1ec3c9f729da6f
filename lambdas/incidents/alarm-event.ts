/**
 * The EventBridge "CloudWatch Alarm State Change" event (source aws.cloudwatch), read into the few
 * fields incidents need. Shape per the CloudWatch user guide ("Alarm events and EventBridge"):
 * detail { alarmName, state { value, reason, timestamp }, previousState { ... }, configuration }.
 */

export type AlarmStateValue = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

/** One alarm state change. */
export interface AlarmStateChange {
  alarmName: string;
  state: AlarmStateValue;
  /** When the alarm entered this state (ISO-8601, UTC). */
  at: string;
  previousState?: AlarmStateValue;
}

const STATES: readonly string[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

/** Reads the event; `problem` says which field is missing or wrong (never echoes values). */
export function readAlarmStateChange(event: unknown): { change: AlarmStateChange } | { problem: string } {
  if (!isObject(event)) return { problem: 'the event is not an object' };
  if (event.source !== 'aws.cloudwatch' || event['detail-type'] !== 'CloudWatch Alarm State Change')
    return { problem: 'the event is not a CloudWatch Alarm State Change (source, detail-type)' };
  const detail = event.detail;
  if (!isObject(detail)) return { problem: 'detail is missing' };
  if (typeof detail.alarmName !== 'string' || detail.alarmName === '')
    return { problem: 'detail.alarmName is missing' };
  const state = detail.state;
  if (!isObject(state) || typeof state.value !== 'string' || !STATES.includes(state.value))
    return { problem: 'detail.state.value is not ALARM, OK or INSUFFICIENT_DATA' };
  // state.timestamp looks like 2019-10-02T17:04:40.985+0000; fall back to the event's time.
  const at = isoTime(state.timestamp) ?? isoTime(event.time);
  if (!at) return { problem: 'detail.state.timestamp and time are missing or not timestamps' };
  const previous = isObject(detail.previousState) ? detail.previousState.value : undefined;
  return {
    change: {
      alarmName: detail.alarmName,
      state: state.value as AlarmStateValue,
      at,
      ...(typeof previous === 'string' && STATES.includes(previous)
        ? { previousState: previous as AlarmStateValue }
        : {}),
    },
  };
}

function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
