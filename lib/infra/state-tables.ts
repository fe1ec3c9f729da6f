/**
 * handoff's DynamoDB tables: per-entity sync state, and operations (ownership, incidents). On-demand,
 * point-in-time recovery, encrypted with the AWS-managed key, deletion protection as the plan says
 * (prod), keys and indexes exactly as the plan declares for the status API.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { KeyPlan, Plan, TableId, TablePlan } from '../plan/types.js';

/** Props of StateTables. */
export interface StateTablesProps {
  /** The plan: its `tables`. */
  readonly plan: Plan;
  /**
   * What happens to the tables when the stack is deleted.
   * @default RETAIN in prod (data outlives the stack), DESTROY elsewhere (so a dev stage can be torn down and re-created under the same names)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The sync-state and operations tables. */
export class StateTables extends Construct {
  /** Tables by plan id. */
  public readonly tables: Readonly<Record<TableId, dynamodb.Table>>;

  constructor(scope: Construct, id: string, props: StateTablesProps) {
    super(scope, id);
    const removalPolicy =
      props.removalPolicy ?? (props.plan.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
    this.tables = {
      syncState: this.table('SyncState', props.plan.tables.syncState, removalPolicy),
      operations: this.table('Operations', props.plan.tables.operations, removalPolicy),
    };
  }

  private table(id: string, plan: TablePlan, removalPolicy: RemovalPolicy): dynamodb.Table {
    const table = new dynamodb.Table(this, id, {
      tableName: plan.name,
      partitionKey: attribute(plan.partitionKey),
      sortKey: attribute(plan.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: plan.pointInTimeRecovery },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: plan.deletionProtection,
      ...(plan.ttlAttribute ? { timeToLiveAttribute: plan.ttlAttribute } : {}),
      removalPolicy,
    });
    for (const index of plan.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
        // The status API answers from the index without a second read per item.
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    return table;
  }
}

function attribute(key: KeyPlan): dynamodb.Attribute {
  return {
    name: key.name,
    type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
  };
}
