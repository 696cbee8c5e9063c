// The admin console: samples /console/api/meters every second, keeps the last 5 minutes in the page and draws
// them as plain SVG line charts (no charting library); lists the live games with their actions.
'use strict';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const KEEP_MS = 5 * 60 * 1000;
const W = 300;
const H = 100;

let instance = '';
let prev = null; // the previous snapshot, indexed
const samples = []; // { t, values: { chartId: [v0, v1, ...] } }

/** Indexes a snapshot's meters by name for the lookups below. */
function index(snap) {
  const byName = new Map();
  for (const m of snap.meters) {
    if (!byName.has(m.name)) {
      byName.set(m.name, []);
    }
    byName.get(m.name).push(m);
  }
  return { time: snap.time, byName };
}

/** The sum of one statistic over the meters of that name whose tags match every given tag (a function or a value). */
function sum(ix, name, tags = {}, stat) {
  let total = 0;
  for (const m of ix.byName.get(name) || []) {
    let match = true;
    for (const [k, want] of Object.entries(tags)) {
      const v = m.tags[k];
      if (typeof want === 'function' ? !want(v) : v !== want) {
        match = false;
        break;
      }
    }
    if (match) {
      const s = m.stats;
      total += stat ? s[stat] || 0 : s.value ?? s.count ?? 0;
    }
  }
  return total;
}

/** Per second over the last interval. */
const rate = (name, tags, stat) => (a, b) => Math.max(0, (sum(b, name, tags, stat) - sum(a, name, tags, stat)) / ((b.time - a.time) / 1000));
/** The value now (a gauge). */
const now = (name, tags, stat) => (a, b) => sum(b, name, tags, stat);
/** The mean of a timer or distribution over the last interval (total / count), scaled. */
const mean = (name, tags, scale = 1) => (a, b) => {
  const n = sum(b, name, tags, 'count') - sum(a, name, tags, 'count');
  const t = sum(b, name, tags, 'total_time') + sum(b, name, tags, 'total') - sum(a, name, tags, 'total_time') - sum(a, name, tags, 'total');
  return n > 0 ? (t / n) * scale : 0;
};
/** A hit rate in percent over the last interval from hit and miss counters. */
const hitRate = (name, tags, hit, miss, key = 'result') => (a, b) => {
  const h = sum(b, name, { ...tags, [key]: hit }) - sum(a, name, { ...tags, [key]: hit });
  const m = sum(b, name, { ...tags, [key]: miss }) - sum(a, name, { ...tags, [key]: miss });
  return h + m > 0 ? (100 * h) / (h + m) : null;
};

const named = (suffix) => ({ name: (v) => v === instance + suffix });

/** The charts: each a title, a unit and its series (label, how a value comes from two snapshots). */
function charts() {
  const actions = named('-actions');
  const tasks = named('-tasks');
  const ws = named('-ws');
  return [
    { id: 'actions', title: 'Actions', unit: '/s', series: [
      ['accepted', rate('hal9.batcher.submissions', { ...actions, result: 'accepted' })],
      ['written', rate('hal9.batcher.actions.written', actions)],
    ] },
    { id: 'pending', title: 'Actions pending (journal lag)', unit: '', series: [
      ['pending', now('hal9.batcher.pending', actions)],
      ['journal lag', now('hal9.batcher.journal.lag', actions)],
    ] },
    { id: 'batches', title: 'Batch size (mean)', unit: ' actions', series: [
      ['actions', mean('hal9.batcher.batch.size', actions)],
      ['game states', mean('hal9.batcher.batch.size', named('-game-states'))],
    ] },
    { id: 'flush', title: 'Flush time (mean)', unit: ' ms', series: [
      ['actions', mean('hal9.batcher.flush.duration', actions, 1000)],
      ['game states', mean('hal9.batcher.flush.duration', named('-game-states'), 1000)],
    ] },
    { id: 'limiter', title: 'Task limiter', unit: '', series: [
      ['running', now('hal9.limiter.in.flight', tasks)],
      ['waiting', now('hal9.limiter.waiting', tasks)],
      ['http running', now('hal9.limiter.in.flight', named('-http'))],
    ] },
    { id: 'hits', title: 'Hit rates', unit: ' %', series: [
      ['game pool', hitRate('hal9.object.pool.claims', {}, 'hit', 'miss')],
      ['games-list cache', hitRate('hal9.cache.gets', { name: (v) => v !== undefined && v.includes('games-list') }, 'hit', 'miss')],
    ] },
    { id: 'ws', title: 'WebSocket', unit: '', series: [
      ['sessions', now('hal9.ws.connections', ws)],
      ['send queue', now('hal9.ws.send.queue.messages', ws)],
    ] },
    { id: 'drops', title: 'Drops and slow-consumer closes', unit: '/s', series: [
      ['dropped', rate('hal9.ws.messages.dropped', ws)],
      ['slow consumers closed', rate('hal9.ws.slow.consumer.disconnects', ws)],
    ] },
    { id: 'refusals', title: 'Refusals by reason', unit: '/s', series: [
      ['queue full', rate('hal9.batcher.submissions', { result: 'full' })],
      ['limiter rejected', rate('hal9.limiter.tasks', { result: 'rejected' })],
      ['handshakes', rate('hal9.ws.handshake.rejections', ws)],
      ['HTTP 429', rate('http.requests', { status: '429' }, 'count')],
      ['HTTP 503', rate('http.requests', { status: '503' }, 'count')],
    ] },
  ];
}

let chartDefs = null;

function buildCharts() {
  chartDefs = charts();
  const grid = $('charts');
  grid.replaceChildren();
  for (const c of chartDefs) {
    const div = document.createElement('div');
    div.className = 'chart';
    div.dataset.chart = c.id;
    const h = document.createElement('h3');
    h.textContent = c.title;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', c.title);
    const axis = document.createElementNS(SVG, 'line');
    axis.setAttribute('class', 'axis');
    axis.setAttribute('x1', 0);
    axis.setAttribute('x2', W);
    axis.setAttribute('y1', H - 1);
    axis.setAttribute('y2', H - 1);
    svg.appendChild(axis);
    const maxLabel = document.createElementNS(SVG, 'text');
    maxLabel.setAttribute('x', 2);
    maxLabel.setAttribute('y', 9);
    svg.appendChild(maxLabel);
    const spanLabel = document.createElementNS(SVG, 'text');
    spanLabel.setAttribute('x', W - 2);
    spanLabel.setAttribute('y', 9);
    spanLabel.setAttribute('text-anchor', 'end');
    svg.appendChild(spanLabel);
    const legend = document.createElement('div');
    legend.className = 'legend';
    c.series.forEach(([label], i) => {
      const path = document.createElementNS(SVG, 'path');
      path.setAttribute('class', 'line s' + i);
      path.dataset.series = label;
      svg.appendChild(path);
      const item = document.createElement('span');
      const sw = document.createElement('span');
      sw.className = 'sw s' + i;
      const b = document.createElement('b');
      item.append(sw, label + ' ', b);
      legend.appendChild(item);
    });
    div.append(h, svg, legend);
    grid.appendChild(div);
    c.el = { svg, maxLabel, spanLabel, legend };
  }
}

function fmt(v) {
  if (v === null || v === undefined) {
    return '–';
  }
  return Math.abs(v) >= 100 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString();
}

function draw() {
  // the window grows with the samples, from the last minute up to the last 5 minutes
  const tEnd = samples.length ? samples[samples.length - 1].t : Date.now();
  const span = Math.min(KEEP_MS, Math.max(60_000, samples.length ? tEnd - samples[0].t : 0));
  const tStart = tEnd - span;
  for (const c of chartDefs) {
    let max = 0;
    for (const s of samples) {
      for (const v of s.values[c.id]) {
        if (v !== null && v > max) {
          max = v;
        }
      }
    }
    const top = max > 0 ? max * 1.1 : 1;
    c.el.maxLabel.textContent = fmt(max) + c.unit;
    c.el.spanLabel.textContent = 'last ' + Math.round(span / 60_000) + ' min';
    const paths = c.el.svg.querySelectorAll('path.line');
    c.series.forEach(([label], i) => {
      let d = '';
      let last = null;
      for (const s of samples) {
        const v = s.values[c.id][i];
        if (v === null) {
          continue;
        }
        const x = ((s.t - tStart) / span) * W;
        const y = H - 1 - (v / top) * (H - 12);
        d += (d ? ' L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1);
        last = v;
      }
      paths[i].setAttribute('d', d || 'M0 ' + (H - 1));
      paths[i].dataset.last = last === null ? '' : String(last);
      c.el.legend.children[i].querySelector('b').textContent = fmt(last) + c.unit;
    });
  }
}

async function getJson(path) {
  const res = await fetch(path, { cache: 'no-store' });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new Error((json.error || res.status) + ': ' + (json.detail || res.statusText));
  }
  return json;
}

async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-HAL9-Console': '1' },
    body: JSON.stringify(body || {}),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new Error((json.error || res.status) + ': ' + (json.detail || res.statusText));
  }
  return json;
}

async function sample() {
  try {
    const snap = await getJson('/console/api/meters');
    if (!chartDefs || snap.instance !== instance) {
      instance = snap.instance;
      $('instance').textContent = instance;
      buildCharts();
    }
    const ix = index(snap);
    if (prev) {
      const values = {};
      for (const c of chartDefs) {
        values[c.id] = c.series.map(([, f]) => {
          const v = f(prev, ix);
          return v === null || Number.isFinite(v) ? v : null;
        });
      }
      samples.push({ t: ix.time, values });
      while (samples.length && samples[0].t < ix.time - KEEP_MS) {
        samples.shift();
      }
      draw();
    }
    prev = ix;
    $('sampled').textContent = 'last sample ' + new Date(ix.time).toLocaleTimeString() + ' (' + samples.length + ' points)';
    $('error').textContent = '';
  } catch (e) {
    $('error').textContent = 'sampling failed: ' + e.message;
  }
}

let lastGames = '';

async function loadGames() {
  try {
    const data = await getJson('/console/api/games');
    const seen = JSON.stringify(data);
    if (seen === lastGames) {
      return; // unchanged: the rows (and a button under the pointer) stay as they are
    }
    lastGames = seen;
    const tbody = $('games');
    tbody.replaceChildren();
    for (const g of data.games) {
      const tr = document.createElement('tr');
      tr.dataset.game = g.id;
      const cells = ['#' + g.id, g.status, g.round + ' / ' + g.rounds];
      for (const text of cells) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      }
      const ptd = document.createElement('td');
      for (const p of g.players) {
        const span = document.createElement('div');
        span.dataset.player = p.id;
        span.textContent = (p.connected ? '● ' : '○ ') + p.name + ' (' + p.id + ') score ' + p.score + (p.status === 'left' ? ', left' : '') + ' ';
        if (p.connected) {
          const b = document.createElement('button');
          b.className = 'secondary';
          b.textContent = 'disconnect';
          b.dataset.action = 'disconnect';
          b.addEventListener('click', () => act(() => post('/console/api/games/' + g.id + '/players/' + p.id + '/disconnect')));
          span.appendChild(b);
        }
        ptd.appendChild(span);
      }
      tr.appendChild(ptd);
      const htd = document.createElement('td');
      htd.textContent = g.host;
      tr.appendChild(htd);
      const atd = document.createElement('td');
      const inspect = document.createElement('button');
      inspect.className = 'secondary';
      inspect.textContent = 'inspect';
      inspect.dataset.action = 'inspect';
      inspect.addEventListener('click', () => showGame(g.id));
      const end = document.createElement('button');
      end.className = 'danger';
      end.disabled = g.status !== 'waiting' && g.status !== 'running';
      end.textContent = 'end';
      end.dataset.action = 'end';
      end.addEventListener('click', () => act(() => post('/console/api/games/' + g.id + '/end', { detail: 'ended by an operator from the console' })));
      atd.append(inspect, ' ', end);
      tr.appendChild(atd);
      tbody.appendChild(tr);
    }
    $('gameCount').textContent =
      data.total > data.games.length ? '(' + data.games.length + ' of ' + data.total + ', lowest ids)' : '(' + data.games.length + ')';
    $('noGames').classList.toggle('hidden', data.games.length > 0);
  } catch (e) {
    $('error').textContent = 'games list failed: ' + e.message;
  }
}

async function act(f) {
  try {
    await f();
    $('error').textContent = '';
  } catch (e) {
    $('error').textContent = e.message;
  }
  loadGames();
}

async function showGame(id) {
  try {
    const g = await getJson('/console/api/games/' + id);
    $('inspect').classList.remove('hidden');
    $('inspectId').textContent = '#' + id;
    $('inspectState').textContent = JSON.stringify(g, null, 2);
  } catch (e) {
    $('error').textContent = e.message;
  }
}

function cells(tr, texts) {
  for (const text of texts) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.appendChild(td);
  }
}

async function loadInstances() {
  try {
    const data = await getJson('/console/api/instances');
    $('ready').textContent = data.ready ? 'ready' : 'not ready';
    $('ready').className = 'pill ' + (data.ready ? 'ok' : 'bad');
    const tbody = $('instances');
    tbody.replaceChildren();
    for (const i of data.instances) {
      const tr = document.createElement('tr');
      tr.dataset.instance = i.name;
      cells(tr, [i.name + (i.self ? ' (this one)' : ''), i.url]);
      const lease = document.createElement('td');
      const pill = document.createElement('span');
      pill.className = 'pill ' + (i.leaseCurrent ? 'ok' : 'bad');
      pill.textContent = i.leaseCurrent ? 'current' : 'lapsed';
      lease.appendChild(pill);
      tr.appendChild(lease);
      cells(tr, [new Date(i.leaseUntil).toLocaleTimeString(), i.liveGames]);
      tbody.appendChild(tr);
    }
    const other = $('elsewhere');
    other.replaceChildren();
    for (const g of data.elsewhere) {
      const tr = document.createElement('tr');
      tr.dataset.game = g.id;
      cells(tr, ['#' + g.id, g.host, g.status, g.round, g.playerCount]);
      other.appendChild(tr);
    }
    $('elsewhereCount').textContent = '(' + data.elsewhere.length + ')';
    $('noElsewhere').classList.toggle('hidden', data.elsewhere.length > 0);
  } catch (e) {
    $('ready').textContent = 'unknown';
    $('ready').className = 'pill warn';
    $('error').textContent = 'instances failed: ' + e.message;
  }
}

sample();
loadGames();
setInterval(sample, 1000);
setInterval(loadGames, 1000);
loadInstances();
setInterval(loadInstances, 2000);
