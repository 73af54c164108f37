/**
 * A dashboard over a temporary database, driven in process with `app.request()`: log in, keep the
 * session cookie, read a page's CSRF token, post forms.
 */
import { createDashboardApp, type DashboardApp } from '../../src/dashboard/app.js';
import { ComplianceService } from '../../src/core/compliance/service.js';
import { silentLogger } from '../../src/core/logger.js';
import { ModelClient } from '../../src/core/model/model-client.js';
import { PromptAssembler } from '../../src/core/prompt/prompt-assembler.js';
import { ComplianceStore, InstructionStore } from '../../src/core/storage/index.js';
import { openTempDatabase, type TempDatabase } from '../support/temp-db.js';
import { BASE_PROMPT, Seeder } from './seed.js';

export const TOKEN = 'test-dashboard-token-0123456789';

export interface DashboardHarness {
  temp: TempDatabase;
  seed: Seeder;
  app: DashboardApp;
  /** GET or POST with the session cookie (after `login()`). */
  request(path: string, init?: RequestInit): Promise<Response>;
  login(): Promise<void>;
  /** The CSRF token from a page's forms. */
  csrf(path?: string): Promise<string>;
  /** POST a form (the CSRF token is added unless given). */
  post(path: string, fields: [string, string][]): Promise<Response>;
  close(): Promise<void>;
}

/** Start a dashboard; `modelUrl` points the model client at a fake OpenAI server. */
export async function dashboardHarness(
  options: { modelUrl?: string; loginAttemptsPerMinute?: number } = {},
): Promise<DashboardHarness> {
  const temp = await openTempDatabase();
  const seed = new Seeder(temp.db);
  const model = new ModelClient(
    {
      ...(options.modelUrl ? { baseURL: options.modelUrl } : {}),
      model: 'fake-model',
      maxOutputTokens: 256,
      timeoutMs: 5000,
      maxRetries: 0,
    },
    silentLogger(),
  );
  const app = createDashboardApp({
    db: temp.db,
    token: TOKEN,
    model,
    prompts: new PromptAssembler(
      new InstructionStore(temp.db),
      { basePrompt: BASE_PROMPT, contextTokens: 16_000, maxOutputTokens: 256, fenceKey: 'dashboard-test-fence-key' },
      () => new Date(),
    ),
    compliance: new ComplianceService({
      store: new ComplianceStore(temp.db),
      instructions: new InstructionStore(temp.db),
      logger: silentLogger(),
      basePrompt: BASE_PROMPT,
    }),
    logger: silentLogger(),
    ...(options.loginAttemptsPerMinute ? { loginAttemptsPerMinute: options.loginAttemptsPerMinute } : {}),
  });
  let cookie = '';
  const request = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookie && !headers.has('authorization')) headers.set('cookie', cookie);
    return Promise.resolve(app.request(path, { ...init, headers }));
  };
  const csrf = async (path = '/') => {
    const page = await (await request(path)).text();
    const match = /name="_csrf" value="([^"]+)"/.exec(page);
    if (!match?.[1]) throw new Error(`no CSRF token on ${path}`);
    return match[1];
  };
  return {
    temp,
    seed,
    app,
    request,
    csrf,
    async login() {
      const response = await app.request('/login', { method: 'POST', body: new URLSearchParams({ token: TOKEN }) });
      const set = response.headers.get('set-cookie') ?? '';
      cookie = set.split(';')[0] ?? '';
      if (!cookie) throw new Error(`login failed: ${response.status}`);
    },
    async post(path, fields) {
      const body = new URLSearchParams(fields);
      if (!body.has('_csrf')) body.set('_csrf', await csrf('/reports'));
      return request(path, { method: 'POST', body });
    },
    close: () => temp.cleanup(),
  };
}
