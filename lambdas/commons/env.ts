/**
 * Environment variables, read once at cold start. A missing required variable fails the cold
 * start loudly instead of turning into an empty string later (Powertools' getStringFromEnv idea).
 */

/** A required environment variable was not set: a deployment mistake. */
export class MissingEnvironmentError extends Error {
  override readonly name = 'MissingEnvironmentError';
}

/** Returns a required environment variable or throws MissingEnvironmentError naming it. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '')
    throw new MissingEnvironmentError(`environment variable ${name} is not set`);
  return value;
}
