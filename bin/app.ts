/**
 * The CDK app: one stage of handoff, rendered from a contracts folder.
 *
 *   npx cdk synth -c stage=prod -c contracts=contracts -c runbookBaseUrl=https://... \
 *     -c endpoints='{"HELPDESK_API_URL":"https://..."}' -c alarmSubscriptions='{"page":["https://..."]}'
 *
 * Environment-agnostic: synth needs no credentials. Mistakes in the contracts or the context are
 * printed like `handoff validate` prints them, and synth exits 1 without a stack trace.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { processIo } from '../lib/cli/io.js';
import { printProblems } from '../lib/cli/load-plan.js';
import { readDeployContext } from '../lib/infra/context.js';
import { ConfigurationError, HandoffInfraError } from '../lib/infra/errors.js';
import { PROJECT_ROOT } from '../lib/infra/project.js';
import { renderPlan } from '../lib/infra/render-plan.js';
import { loadContracts } from '../lib/model/load.js';
import { buildPlan } from '../lib/plan/build.js';
import { checkRunbookLinks, checkStackSizes } from '../lib/plan/check.js';

function main(): number {
  const app = new App();
  try {
    const context = readDeployContext((key) => app.node.tryGetContext(key));
    const loaded = loadContracts(context.contractsDir);
    if (!loaded.estate) {
      printProblems(loaded.problems, context.contractsDir, processIo);
      return 1;
    }
    const plan = buildPlan(loaded.estate, { stage: context.stage, runbookBaseUrl: context.runbookBaseUrl });
    const problems = [...checkStackSizes(plan), ...checkRunbookLinks(plan, PROJECT_ROOT)];
    if (problems.length > 0) {
      printProblems(problems, context.contractsDir, processIo);
      return 1;
    }
    renderPlan(app, plan, { endpoints: context.endpoints, alarmSubscriptions: context.alarmSubscriptions });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
    return 0;
  } catch (error) {
    if (error instanceof ConfigurationError) {
      processIo.err(error.message);
      return 1;
    }
    if (error instanceof HandoffInfraError) {
      processIo.err(`${error.name}: ${error.message}`);
      return 1;
    }
    // CDK rethrows a bundling failure as a plain Error carrying our BundlingError's text.
    if (error instanceof Error && /^Failed to bundle asset/.test(error.message)) {
      processIo.err(error.message);
      return 1;
    }
    throw error;
  }
}

const code = main();
if (code !== 0) process.exit(code);
