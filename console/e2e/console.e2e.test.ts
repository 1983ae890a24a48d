import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../api/test-support/chromium';
import { collect, startTestApp, type TestApp } from '../../api/test-support/harness';
import { SendTextMutation, SessionEventsSubscription, SessionQuery } from '../../api/test-support/operations';
import { CreatePersonaMutation, PersonasQuery } from '../src/personas/operations';
import { CreateSessionMutation, EndSessionMutation } from '../src/sessions/operations';
import { databaseId, seedConversation } from './seed';

const consoleRoot = path.resolve(import.meta.dirname, '..');
const screenshots = path.resolve(consoleRoot, '..', 'test-results', 'screenshots');

let t: TestApp;
let browser: BrowserContext;
let page: Page;
let profileDir: string;
const pageErrors: string[] = [];

async function screenshot(name: string) {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

async function signIn(username: string, password: string) {
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button[type="submit"]').click();
}

describe('admin console in a real browser', () => {
  beforeAll(async () => {
    await build({ configFile: path.join(consoleRoot, 'vite.config.ts'), logLevel: 'error' });
    await mkdir(screenshots, { recursive: true });
    // WORKFLOWS=embedded: privacy export and deletion run as Temporal workflows on a local dev server.
    t = await startTestApp({ env: { CONSOLE_DIR: path.join(consoleRoot, 'dist'), WORKFLOWS: 'embedded' } });
    profileDir = await mkdtemp(path.join(tmpdir(), 'console-chromium-'));
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: CHROMIUM_ARGS,
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  // A failing step leaves a picture of what the browser showed, plus the page's own errors.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      await screenshot(`failed-${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}`);
      if (pageErrors.length) console.error('page errors:', pageErrors);
    }
    pageErrors.length = 0;
  });

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  it('refuses a non-admin sign-in with a clear message', async () => {
    await page.goto(`${t.url}/console/`);
    await signIn('alice', 'alice-pw');
    await expect(
      page.getByText('Only administrators can use the console').first().waitFor(),
    ).resolves.toBeUndefined();
    expect(await page.evaluate(() => localStorage.getItem('avatar-console.auth'))).toBeNull();
    await screenshot('sign-in-refused');
  });

  it('signs an admin in and creates a persona, showing the API validation error next to its field', async () => {
    await page.goto(`${t.url}/console/#/login`);
    await signIn('admin', 'admin-pw');
    await page.getByRole('menuitem', { name: 'Personas' }).waitFor();

    await page.goto(`${t.url}/console/#/personas/create`);
    await page.locator('input[name="name"]').fill('Ada the guide');
    await page.locator('textarea[name="systemPrompt"]').fill('You are Ada, a friendly museum guide.');
    await page.locator('input[name="voice"]').fill('not a voice!');
    await page.getByRole('button', { name: 'Add override' }).click();
    await page.getByLabel('Viseme', { exact: true }).fill('aa');
    await page.getByLabel('Rig target').fill('jawOpen');
    await page.getByRole('button', { name: 'Save' }).click();
    // BAD_INPUT with details.field = input.voice comes back from the API and sits under the voice input.
    await page.locator('.ra-input-voice').getByText('not a voice name').waitFor();
    await screenshot('persona-validation-error');

    await page.locator('input[name="voice"]').fill('en-us');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('try-it').waitFor();
    await screenshot('persona-edit');

    await page.goto(`${t.url}/console/#/personas`);
    await page.getByText('Ada the guide').waitFor();
    await screenshot('personas-list');
  });

  it('puts a persona in agent mode with its turn detection and tools; bad tools JSON is shown at its field', async () => {
    await page.goto(`${t.url}/console/#/personas/create`);
    await page.locator('input[name="name"]').fill('Agent Ada');
    await page.locator('textarea[name="systemPrompt"]').fill('You are Ada, over a speech-to-speech agent.');
    const choose = async (label: string, option: string) => {
      await page.getByLabel(label).click();
      await page.getByRole('option', { name: option, exact: true }).click();
    };
    await choose('Conversation mode', 'agent');
    await choose('Agent provider', 'gemini-live');
    await choose('Turn detection (agent mode)', 'provider');
    await page.locator('input[name="agentVoice"]').fill('Puck');
    await page.locator('textarea[name="tools"]').fill('[{"builtin": "teleport"}]');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.ra-input-tools .Mui-error').first().waitFor();
    await screenshot('persona-tools-error');

    await page
      .locator('textarea[name="tools"]')
      .fill('[{"builtin": "current_time"}, {"builtin": "memory_lookup"}]');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('try-it').waitFor();
    const admin = await t.token('admin');
    const saved = await t.gql(PersonasQuery, { first: 10, search: 'Agent Ada' }, admin);
    expect(saved.data?.personas.edges[0]?.node).toMatchObject({
      conversationMode: 'agent',
      agentProvider: 'gemini-live',
      agentVoice: 'Puck',
      turnDetection: 'provider',
      tools: [{ builtin: 'current_time' }, { builtin: 'memory_lookup' }],
    });
  });

  it('tries a persona out: the answer is spoken with its visemes shown as they play', async () => {
    await page.goto(`${t.url}/console/#/personas`);
    await page.getByText('Ada the guide').click();
    const panel = page.getByTestId('try-it');
    await panel.getByRole('button', { name: 'Start a test session' }).click();
    await panel.getByText('Live').waitFor();
    await panel.getByLabel('Say').fill('Hello, who are you?');
    await panel.getByRole('button', { name: 'Send' }).click();
    await panel.getByTestId('try-it-answer').waitFor();
    await panel.getByTestId('try-it-visemes-played').waitFor();
    expect(
      (await panel.getByTestId('try-it-visemes-played').textContent())?.split(' ').length,
    ).toBeGreaterThan(2);
    await screenshot('persona-try-it');
    await panel.getByRole('button', { name: 'End', exact: true }).click();
    await panel.getByRole('button', { name: 'Start a test session' }).waitFor();
  });

  it('sends an admin with an expired token back to sign-in without losing the unsaved form', async () => {
    await page.goto(`${t.url}/console/#/personas`);
    await page.getByText('Ada the guide').click();
    await page.locator('textarea[name="description"]').fill('Unsaved words that must survive sign-in');
    // The server no longer accepts the token (expired or revoked) although the console still thinks it valid.
    await page.evaluate(() => {
      const auth = JSON.parse(localStorage.getItem('avatar-console.auth') ?? '{}');
      localStorage.setItem(
        'avatar-console.auth',
        JSON.stringify({ ...auth, accessToken: 'expired.token.value' }),
      );
    });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('input[name="username"]').waitFor();
    await signIn('admin', 'admin-pw');
    await page.locator('textarea[name="description"]').waitFor();
    expect(await page.locator('textarea[name="description"]').inputValue()).toBe(
      'Unsaved words that must survive sign-in',
    );
    await page.getByText('Restored your unsaved changes.').waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Element updated').waitFor();
  });

  it('opens the replay of an ended session and shows the audio, lanes, plot and face', async () => {
    const admin = await t.token('admin');
    const alice = await t.token('alice');
    const persona = await t.gql(
      CreatePersonaMutation,
      { input: { name: 'Replay persona', systemPrompt: 'You speak briefly.' } },
      admin,
    );
    const personaId = persona.data!.createPersona.id;
    const created = await t.gql(CreateSessionMutation, { input: { personaId } }, alice);
    const sessionId = created.data!.createSession.session.id;
    await seedConversation(t, databaseId(sessionId), [
      ['Hi, who are you?', 'Hello there, I am your guide.'],
      ['Where is the exit?', 'The exit is behind you.'],
    ]);
    await t.gql(EndSessionMutation, { id: sessionId }, alice);

    await page.goto(`${t.url}/console/#/sessions`);
    await page.getByText('Replay persona').first().click();
    await page.getByTestId('replay').waitFor();
    await page.getByTestId('replay-audio').waitFor();
    const plot = page.getByTestId('blendshape-plot');
    const jaw = plot.locator('polyline[data-curve="jawOpen"]');
    const points = (await jaw.getAttribute('points'))?.trim().split(' ') ?? [];
    expect(points.length).toBeGreaterThan(30);
    // Seeking moves the cursor and the face's mouth follows the frame there.
    const box = await plot.boundingBox();
    await plot.click({ position: { x: box!.width * 0.25, y: 10 } });
    await expect(page.getByTestId('replay-cursor').textContent()).resolves.not.toMatch(/^0\.00 s/);
    expect(await page.getByTestId('lane-phonemes').locator('div[title]').count()).toBeGreaterThan(5);
    await page.getByText('The exit is behind you.').first().waitFor();
    await screenshot('session-replay');

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export transcript' }).click();
    const file = await (await download).path();
    const text = await readFile(file, 'utf8');
    expect(text).toContain('User: Hi, who are you?');
    expect(text).toContain('Avatar: The exit is behind you.');
  });

  it('follows an active session live as events arrive', async () => {
    const admin = await t.token('admin');
    const personas = await t.gql(
      CreatePersonaMutation,
      { input: { name: 'Live persona', systemPrompt: 'Hi.' } },
      admin,
    );
    const created = await t.gql(
      CreateSessionMutation,
      { input: { personaId: personas.data!.createPersona.id } },
      admin,
    );
    const sessionId = created.data!.createSession.session.id;
    await page.goto(`${t.url}/console/#/sessions/${encodeURIComponent(sessionId)}/show`);
    await page.getByTestId('live-status').getByText('Live').waitFor();
    await t.app.services.events.emit(databaseId(sessionId), {
      type: 'TranscriptFinal',
      utteranceId: 'u1',
      text: 'Is anyone there?',
      confidence: 0.9,
      alternatives: [],
      words: [],
    });
    await page.getByTestId('live-view').getByText('Is anyone there?').waitFor();
    await screenshot('session-live');
  });

  it("shows each answer's latency waterfall, and live sessions, turns and time to first audio on the home page", async () => {
    const admin = await t.token('admin');
    const persona = await t.gql(
      CreatePersonaMutation,
      { input: { name: 'Waterfall persona', systemPrompt: 'Hi.' } },
      admin,
    );
    const created = await t.gql(
      CreateSessionMutation,
      { input: { personaId: persona.data!.createPersona.id } },
      admin,
    );
    const sessionId = created.data!.createSession.session.id;
    // Two real turns on the embedded pipeline: their stored timings are what the waterfall draws.
    for (const text of ['Hello there', 'What can you do?']) {
      const answered = collect(
        t.wsClient(admin),
        SessionEventsSubscription,
        { sessionId, afterSeq: 0 },
        (r) => r.data?.sessionEvents.__typename === 'ResponseDone',
        30_000,
      );
      await t.gql(SendTextMutation, { sessionId, text }, admin);
      await answered;
    }

    // Both answers are stored (just after their ResponseDone) before the pages read them.
    await expect
      .poll(
        async () => {
          const stored = await t.gql(SessionQuery, { id: sessionId }, admin);
          return stored.data?.session.turns.edges.filter((e) => e.node.role === 'ASSISTANT').length;
        },
        { timeout: 15_000 },
      )
      .toBe(2);

    await page.goto(`${t.url}/console/#/`);
    const panel = page.getByTestId('activity-panel');
    await expect
      .poll(async () => Number(await panel.getByTestId('activity-turns-per-minute').textContent()))
      .toBeGreaterThanOrEqual(2);
    expect(Number(await panel.getByTestId('activity-live-sessions').textContent())).toBeGreaterThanOrEqual(1);
    await expect.poll(() => panel.getByTestId('activity-first-audio-p95').textContent()).toMatch(/^\d+ ms$/);
    await screenshot('dashboard-activity');

    await page.goto(`${t.url}/console/#/sessions/${encodeURIComponent(sessionId)}/show`);
    await page.getByRole('tab', { name: 'Latency' }).click();
    const waterfall = page.getByTestId('latency-waterfall');
    await expect.poll(() => waterfall.getByTestId('waterfall-row').count()).toBe(2);
    const firstRow = waterfall.getByTestId('waterfall-row').first();
    await firstRow.getByText('“Hello there”').waitFor();
    // A typed turn's speech-to-text takes no time (a sliver of a bar); then prompt, model, first audio, the rest.
    const bars = firstRow.locator('[data-stage]');
    expect(await bars.evaluateAll((els) => els.map((el) => el.getAttribute('data-stage')))).toEqual([
      'stt',
      'prompt',
      'llm',
      'tts',
      'rest',
    ]);
    const boxes = await bars.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().left));
    expect(boxes).toEqual([...boxes].sort((a, b) => a - b));
    expect(await bars.nth(3).getAttribute('title')).toMatch(/^First sentence spoken .*: \d+ ms → \d+ ms/);
    await screenshot('session-latency-waterfall');
  });

  it('approves one flag and rejects the rest of the review queue in bulk', async () => {
    const admin = await t.token('admin');
    const persona = await t.gql(
      CreatePersonaMutation,
      { input: { name: 'Flagged persona', systemPrompt: 'Hi.' } },
      admin,
    );
    const created = await t.gql(
      CreateSessionMutation,
      { input: { personaId: persona.data!.createPersona.id } },
      admin,
    );
    const sessionId = databaseId(created.data!.createSession.session.id);
    const prisma = t.app.services.db.prisma;
    const flagged: [string, string][] = [
      ['You should try the forbidden trick.', 'self_harm'],
      ['Here is how to pick a lock.', 'crime'],
      ['That idiot of a curator.', 'insult'],
    ];
    for (const [text, category] of flagged)
      await prisma.moderationFlag.create({
        data: { sessionId, text, category, replacement: "Let's talk about something else." },
      });

    await page.goto(`${t.url}/console/#/moderationFlags`);
    await page.getByText('Here is how to pick a lock.').waitFor();
    await screenshot('moderation-queue');
    const row = page.locator('tr', { hasText: 'Here is how to pick a lock.' });
    await row.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Here is how to pick a lock.').waitFor({ state: 'detached' });

    await page.locator('thead input[type="checkbox"]').check();
    await page.getByRole('button', { name: 'Reject selected' }).click();
    await page.getByText('That idiot of a curator.').waitFor({ state: 'detached' });

    const flags = await prisma.moderationFlag.findMany({ where: { sessionId }, orderBy: { text: 'asc' } });
    expect(flags.map((f) => [f.text, f.status, Boolean(f.reviewerId)])).toEqual([
      ['Here is how to pick a lock.', 'APPROVED', true],
      ['That idiot of a curator.', 'REJECTED', true],
      ['You should try the forbidden trick.', 'REJECTED', true],
    ]);
  });

  it("edits a memory's importance and deletes a user's memories", async () => {
    const prisma = t.app.services.db.prisma;
    const alice = await prisma.user.findUniqueOrThrow({ where: { username: 'alice' } });
    const persona = await prisma.persona.findFirstOrThrow();
    for (const text of ['Alice loves jazz.', 'Alice has a cat named Miles.', 'Alice works nights.'])
      await prisma.memory.create({
        data: { userId: alice.id, personaId: persona.id, text, importance: 0.5 },
      });
    const userFilter = encodeURIComponent(
      JSON.stringify({ userId: Buffer.from(`User:${alice.id}`).toString('base64') }),
    );

    await page.goto(`${t.url}/console/#/memories?filter=${userFilter}`);
    await page.getByText('Alice has a cat named Miles.').waitFor();
    const importance = page.locator('tr', { hasText: 'Alice loves jazz.' }).getByLabel('Importance');
    await importance.fill('0.9');
    await importance.press('Enter');
    await page.getByText('Importance saved').waitFor();
    expect(
      (await prisma.memory.findFirstOrThrow({ where: { text: 'Alice loves jazz.' } })).importance,
    ).toBeCloseTo(0.9);
    await screenshot('memories');

    const exported = page.waitForEvent('download', { timeout: 60_000 });
    await page.getByRole('button', { name: 'Export user data' }).click();
    const exportFile = await (await exported).path();
    expect(await readFile(exportFile, 'utf8')).toContain('Alice has a cat named Miles.');

    await page.locator('thead input[type="checkbox"]').check();
    await page.locator('[data-test="bulk-actions-toolbar"]').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Alice has a cat named Miles.').waitFor({ state: 'detached' });
    const live = await prisma.memory.count({ where: { userId: alice.id, deletedAt: null } });
    expect(live).toBe(0);

    // Everything else about the user goes too, only after the admin confirms.
    expect(await prisma.session.count({ where: { userId: alice.id } })).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Delete user data' }).click();
    await page.getByRole('dialog').getByText("Delete all of this user's data?").waitFor();
    await page.getByRole('button', { name: 'Delete everything' }).click();
    await page.getByText("The user's data was deleted").waitFor({ timeout: 60_000 });
    expect(await prisma.session.count({ where: { userId: alice.id } })).toBe(0);
  });

  it('creates a moderation policy with a category and block terms', async () => {
    await page.goto(`${t.url}/console/#/moderationPolicies/create`);
    await page.locator('input[name="name"]').fill('Museum rules');
    const blockTerms = page.locator('.ra-input-blockTerms input');
    await blockTerms.fill('lockpick');
    await blockTerms.press('Enter');
    await page.locator('.ra-input-categories').getByRole('button', { name: 'Add' }).click();
    await page.locator('input[name="categories.0.name"]').fill('crime');
    const terms = page.locator('.ra-input-categories').getByLabel('Terms');
    await terms.fill('burglary');
    await terms.press('Enter');
    await screenshot('moderation-policy-form');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('tr', { hasText: 'Museum rules' }).waitFor();
    await screenshot('moderation-policies');
    const policy = await t.app.services.db.prisma.moderationPolicy.findUniqueOrThrow({
      where: { name: 'Museum rules' },
    });
    expect(policy.blockTerms).toEqual(['lockpick']);
    expect(policy.categories).toEqual([{ name: 'crime', terms: ['burglary'], action: 'REPLACE' }]);
  });
});
