/**
 * Errors the CDK rendering raises for its users' mistakes. `bin/app.ts` prints them without a
 * stack trace; anything else is a defect and keeps its stack.
 */

/** Base of every error the CDK rendering raises on purpose. */
export class HandoffInfraError extends Error {
  override readonly name: string = 'HandoffInfraError';
}

/**
 * The deploy configuration (CDK context, or values it refers to) is wrong. Carries every problem
 * found, so one synth shows all of them.
 */
export class ConfigurationError extends HandoffInfraError {
  override readonly name = 'ConfigurationError';
  constructor(
    /** One line per problem, each naming the context key, the value and what is expected. */
    readonly problems: string[],
    options?: ErrorOptions,
  ) {
    super(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the deploy configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      options,
    );
  }
}

/** The plan refers to something the rendering cannot find (a queue, table or entry file). */
export class PlanRenderError extends HandoffInfraError {
  override readonly name = 'PlanRenderError';
}
