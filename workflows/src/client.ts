import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Database } from '../../api/src/db/database';
import { PrivacyRepository } from '../../api/src/db/privacy-repository';
import { inSessionTrace, type PlatformTracing } from '../../api/src/observability/tracing';
import type { BackgroundWork } from '../../api/src/services/background';
import {
  type AlignmentInput,
  type MaintenanceInput,
  type PrivacyInput,
  type SessionSummaryInput,
  TASK_QUEUE,
  workflowIds,
} from './shared';
import { clientTracing } from './tracing';

export interface WorkflowsClientOptions {
  address?: string;
  connection?: Connection;
  namespace?: string;
  taskQueue?: string;
  /** Privacy requests are recorded in the database before their workflow starts. */
  db: Database;
  /** Started workflows continue the active trace (a session's, for its summary). */
  tracing?: PlatformTracing;
}

/** What the API starts in the background, on Temporal. Every method returns the workflow id, stable per subject. */
export class WorkflowsClient implements BackgroundWork {
  private constructor(
    readonly client: Client,
    private readonly connection: Connection,
    private readonly ownsConnection: boolean,
    private readonly taskQueue: string,
    private readonly privacy: PrivacyRepository,
    private readonly db: Database,
  ) {}

  static async connect(opts: WorkflowsClientOptions): Promise<WorkflowsClient> {
    const connection =
      opts.connection ?? (await Connection.connect({ address: opts.address ?? '127.0.0.1:7233' }));
    const client = new Client({
      connection,
      namespace: opts.namespace ?? 'default',
      interceptors: clientTracing(opts.tracing),
    });
    return new WorkflowsClient(
      client,
      connection,
      !opts.connection,
      opts.taskQueue ?? TASK_QUEUE,
      new PrivacyRepository(opts.db),
      opts.db,
    );
  }

  /**
   * Summarizes a session into memories. Starting it again while it runs is a no-op; after it finished (session
   * summarized mid-way, or a flag approved since) it runs again and stores only what is new.
   */
  async startSessionSummary(sessionId: string): Promise<string> {
    const input: SessionSummaryInput = { sessionId };
    const start = () =>
      this.startOnce('sessionSummaryWorkflow', workflowIds.sessionSummary(sessionId), input);
    // The summary runs in the session's own trace: Jaeger finds it by the trace id the console shows.
    const session = await this.db.prisma.session.findUnique({
      where: { id: sessionId },
      select: { traceId: true },
    });
    return session ? inSessionTrace(session.traceId, start) : start();
  }

  async startAlignment(turnId: string, input: Omit<AlignmentInput, 'turnId'>): Promise<string> {
    const args: AlignmentInput = { turnId, ...input };
    return this.startOnce('phonemeAlignmentWorkflow', workflowIds.alignment(turnId), args);
  }

  /** Records an EXPORT request for the user and starts its workflow; the document is stored in parts. */
  async startPrivacyExport(
    userId: string,
    opts: { maxActive?: number } = {},
  ): Promise<{ requestId: string; workflowId: string }> {
    return this.startPrivacy(userId, 'EXPORT', 'privacyExportWorkflow', opts.maxActive);
  }

  /** Records a DELETE request for the user and starts its (durable) workflow. */
  async startPrivacyDelete(userId: string): Promise<{ requestId: string; workflowId: string }> {
    return this.startPrivacy(userId, 'DELETE', 'privacyDeleteWorkflow');
  }

  /** Runs maintenance now, or on a cron schedule (e.g. `0 3 * * *`) when given; one instance at a time. */
  async startMemoryMaintenance(input: MaintenanceInput = {}, cronSchedule?: string): Promise<string> {
    return this.startOnce('memoryMaintenanceWorkflow', workflowIds.maintenance, input, cronSchedule);
  }

  /** Waits for a workflow's result (tests, admin tools). */
  result<T>(workflowId: string): Promise<T> {
    return this.client.workflow.getHandle(workflowId).result() as Promise<T>;
  }

  /** Health check: the Temporal frontend answers. */
  async ping(): Promise<void> {
    await this.connection.workflowService.getSystemInfo({});
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.connection.close();
  }

  private async startPrivacy(
    userId: string,
    kind: 'EXPORT' | 'DELETE',
    workflowType: string,
    maxActive?: number,
  ): Promise<{ requestId: string; workflowId: string }> {
    const request = await this.privacy.createRequest(userId, kind, { maxActive });
    const workflowId = workflowIds.privacy(request.id);
    await this.privacy.setWorkflowId(request.id, workflowId);
    const input: PrivacyInput = { requestId: request.id };
    await this.startOnce(workflowType, workflowId, input);
    return { requestId: request.id, workflowId };
  }

  /** Workflow types by name, so this module never loads workflow code; each workflow takes one input object. */
  private async startOnce(
    workflowType: string,
    workflowId: string,
    input: object,
    cronSchedule?: string,
  ): Promise<string> {
    try {
      await this.client.workflow.start(workflowType, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        cronSchedule,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return workflowId;
  }
}
