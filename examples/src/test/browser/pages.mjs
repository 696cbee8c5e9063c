// Browser test of the reference server's play page and console, run by BrowserTest:
//   node pages.mjs <publicUrl> <adminUrl> <screenshotDir>
// Headless Debian Chromium through playwright-core. Every wait is on a selector, a text or a page condition
// (no fixed sleeps); any failed step throws, and the exit code is 1.
import { chromium } from 'playwright-core';
import { strict as assert } from 'node:assert';
import { join } from 'node:path';

const [publicUrl, adminUrl, shots] = process.argv.slice(2);
if (!publicUrl || !adminUrl || !shots) {
  console.error('usage: node pages.mjs <publicUrl> <adminUrl> <screenshotDir>');
  process.exit(2);
}
const WAIT = { timeout: 20_000 };

function step(text) {
  console.log(new Date().toISOString() + ' ' + text);
}

/** Page errors, failed scripts and CSP violations (reported as console errors) fail the test. */
function watch(page, label, errors) {
  page.on('pageerror', (e) => errors.push(label + ': ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') {
      errors.push(label + ': ' + m.text());
    }
  });
}

async function text(page, selector) {
  return (await page.textContent(selector)).trim();
}

async function waitText(page, selector, expected) {
  await page.waitForFunction(
    ([s, t]) => {
      const el = document.querySelector(s);
      return el !== null && el.textContent.includes(t);
    },
    [selector, expected],
    WAIT,
  );
}

async function move(page, m) {
  await page.click('#moves button[data-move="' + m + '"]', WAIT); // waits until the button is enabled
}

async function api(method, path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) {
    headers.Authorization = 'Bearer ' + token;
  }
  const res = await fetch(publicUrl + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json();
  if (!res.ok) {
    throw new Error(method + ' ' + path + ' answered ' + res.status + ': ' + JSON.stringify(json));
  }
  return json;
}

/** A small load through the HTTP API: games created, joined and played to the end. */
async function load(games, rounds) {
  const all = [];
  for (let i = 0; i < games; i++) {
    all.push(
      (async () => {
        const g = await api('POST', '/api/games', { maxPlayers: 2, rounds });
        const x = await api('POST', '/api/games/' + g.id + '/join', { name: 'load-x' + i });
        const y = await api('POST', '/api/games/' + g.id + '/join', { name: 'load-y' + i });
        for (let r = 0; r < rounds; r++) {
          await api('POST', '/api/games/' + g.id + '/moves', { move: 'rock' }, x.token);
          await api('POST', '/api/games/' + g.id + '/moves', { move: 'paper' }, y.token);
        }
      })(),
    );
  }
  await Promise.all(all);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const errors = [];
try {
  const viewport = { width: 1180, height: 640 };
  const a = await (await browser.newContext({ viewport })).newPage();
  const b = await (await browser.newContext({ viewport })).newPage();
  const c = await (await browser.newContext({ viewport: { width: 1280, height: 1200 } })).newPage();
  watch(a, 'ann', errors);
  watch(b, 'bob', errors);
  watch(c, 'console', errors);

  step('console open');
  await c.goto(adminUrl + '/console');
  await waitText(c, '#sampled', 'points');

  await waitText(c, 'tr[data-instance="' + (await text(c, '#instance')) + '"]', 'current');
  await waitText(c, '#ready', 'ready');

  step('ann creates a 3-round game');
  await a.goto(publicUrl + '/');
  await a.fill('#name', 'ann');
  await a.fill('#rounds', '3');
  await a.click('#create');
  await a.waitForSelector('#game:not(.hidden)', WAIT);
  const gameId = await text(a, '#gid');
  assert.match(gameId, /^\d+$/);
  await waitText(a, '#status', 'waiting');

  step('bob opens the invite link and joins game ' + gameId);
  await b.goto(publicUrl + '/?game=' + gameId);
  assert.equal(await b.inputValue('#gameId'), gameId);
  await b.fill('#name', 'bob');
  await b.click('#join');
  for (const p of [a, b]) {
    await waitText(p, '#status', 'running');
    await waitText(p, '#conn', 'connected');
  }

  step('the console lists the game with both players connected');
  const row = 'tr[data-game="' + gameId + '"]';
  await waitText(c, row, 'ann');
  await waitText(c, row, 'bob');
  await c.waitForFunction((s) => document.querySelector(s).textContent.split('●').length === 3, row, WAIT);

  step('round 1: rock against scissors');
  await move(a, 'rock');
  await move(b, 'scissors');
  for (const p of [a, b]) {
    await p.waitForSelector('#log li[data-round="1"]', WAIT);
  }

  step('ann drops her connection; the page reconnects with the same token');
  await a.click('#drop');
  await waitText(a, '#reconnects', 'reconnected 1');
  await waitText(a, '#conn', 'connected');

  step('the console disconnects bob; his page reconnects');
  await c.click(row + ' div:has-text("bob") button[data-action="disconnect"]', WAIT);
  await waitText(b, '#reconnects', 'reconnected 1');
  await waitText(b, '#conn', 'connected');

  step('round 2: paper against rock');
  await move(a, 'paper');
  await move(b, 'rock');
  for (const p of [a, b]) {
    await p.waitForSelector('#log li[data-round="2"]', WAIT);
  }

  step('round 3: Spock against lizard');
  await move(a, 'spock');
  await move(b, 'lizard'); // lizard poisons Spock
  for (const p of [a, b]) {
    await waitText(p, '#outcome', 'Game over');
  }
  const outcomeA = await text(a, '#outcome');
  assert.equal(outcomeA, await text(b, '#outcome'));
  assert.equal(outcomeA, 'Game over: ann wins');
  const scores = async (p) => (await p.$$eval('#scores tr', (rows) => rows.map((r) => r.cells[0].textContent.replace(' (you)', '') + '=' + r.cells[1].textContent))).sort();
  const scoresA = await scores(a);
  assert.deepEqual(scoresA, ['ann=2', 'bob=1']);
  assert.deepEqual(await scores(b), scoresA);
  assert.equal(await a.$$eval('#log li', (l) => l.length), 3);
  assert.equal(await b.$$eval('#log li', (l) => l.length), 3);
  await a.screenshot({ path: join(shots, 'play.png'), fullPage: true });

  step('ann creates another game; the console ends it and her page shows it ended');
  await a.click('#again');
  await a.waitForSelector('#lobby:not(.hidden)', WAIT);
  await a.fill('#name', 'ann');
  await a.click('#create');
  await a.waitForSelector('#game:not(.hidden)', WAIT);
  const second = await text(a, '#gid');
  await waitText(a, '#conn', 'connected');
  const row2 = 'tr[data-game="' + second + '"]';
  await waitText(c, row2, 'ann');
  await c.click(row2 + ' button[data-action="end"]', WAIT);
  await waitText(a, '#outcome', 'Game aborted: ended by an operator from the console');
  await c.waitForSelector(row2, { state: 'detached', ...WAIT });
  assert.equal((await api('GET', '/api/games/' + second)).status, 'aborted');

  step('bob creates a game, ann joins it from the list of waiting games, bob leaves: ann wins');
  await b.click('#again');
  await b.waitForSelector('#lobby:not(.hidden)', WAIT);
  await b.fill('#name', 'bob');
  await b.click('#create');
  await b.waitForSelector('#game:not(.hidden)', WAIT);
  const third = await text(b, '#gid');
  await a.click('#again');
  await a.waitForSelector('#lobby:not(.hidden)', WAIT);
  await a.fill('#name', 'ann');
  await a.click('#waiting button:has-text("Join #' + third + '")', WAIT);
  for (const p of [a, b]) {
    await waitText(p, '#status', 'running');
    await waitText(p, '#conn', 'connected');
  }
  await b.click('#leave');
  await waitText(b, '#outcome', 'You left the game.');
  await waitText(a, '#outcome', 'Game over: ann wins');

  step('a small load moves the actions chart');
  const accepted = '[data-chart="actions"] path[data-series="accepted"]';
  // points of the series above the baseline (a value > 0): the load must add some
  const busyPoints = (s) =>
    document
      .querySelector(s)
      .getAttribute('d')
      .split(/[ML]/)
      .filter(Boolean)
      .filter((pt) => Number(pt.trim().split(' ')[1]) < 98).length;
  const before = await c.getAttribute(accepted, 'd');
  const busyBefore = await c.evaluate(busyPoints, accepted);
  // a game left waiting for the screenshot's live list
  const waiting = await api('POST', '/api/games', { maxPlayers: 3, rounds: 5 });
  await api('POST', '/api/games/' + waiting.id + '/join', { name: 'cat' });
  await load(8, 5);
  // then a light load goes on while the charts fill up a little (for the screenshot)
  let loading = true;
  const background = (async () => {
    while (loading) {
      await load(3, 3);
    }
  })();
  await c.waitForFunction(
    ([s, n]) =>
      document
        .querySelector(s)
        .getAttribute('d')
        .split(/[ML]/)
        .filter(Boolean)
        .filter((pt) => Number(pt.trim().split(' ')[1]) < 98).length > n,
    [accepted, busyBefore],
    WAIT,
  );
  assert.notEqual(await c.getAttribute(accepted, 'd'), before);
  await c.waitForFunction(() => /\((2[5-9]|[3-9]\d|\d{3,}) points\)/.test(document.getElementById('sampled').textContent), null, { timeout: 60_000 });
  loading = false;
  await background;
  await waitText(c, 'tr[data-game="' + waiting.id + '"]', 'cat');
  await c.click('tr[data-game="' + waiting.id + '"] button[data-action="inspect"]');
  await waitText(c, '#inspectState', '"name": "cat"');
  await c.screenshot({ path: join(shots, 'console.png'), fullPage: true });

  assert.deepEqual(errors, [], 'the pages logged errors');
  step('done');
} finally {
  await browser.close();
}
