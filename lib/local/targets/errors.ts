/**
 * Errors of the example targets. Messages name the option, field or file at fault and what is
 * expected; they never quote request bodies (personal data).
 */

/** Base class of every error this module throws. */
export class TargetsError extends Error {
  override readonly name: string = 'TargetsError';
}

/** `startExampleTargets` was given unusable options. */
export class TargetsConfigError extends TargetsError {
  override readonly name: string = 'TargetsConfigError';
}

/** A fault specification (admin API or `setFault`) is invalid; the admin API answers 400 with it. */
export class FaultSpecError extends TargetsError {
  override readonly name: string = 'FaultSpecError';
}

/** The data folder cannot be used: unreadable, corrupt in the middle, or in use by another process. */
export class TargetsStoreError extends TargetsError {
  override readonly name: string = 'TargetsStoreError';
}
