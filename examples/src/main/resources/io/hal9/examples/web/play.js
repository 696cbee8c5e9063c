// The play page: create or join a game through the HTTP API, then play it over the WebSocket protocol
// (examples/README.md, "WebSocket protocol"). Plain browser JavaScript, no library, no build step.
'use strict';

const $ = (id) => document.getElementById(id);
const NAMES = { rock: 'rock', paper: 'paper', scissors: 'scissors', lizard: 'lizard', spock: 'Spock' };

/** What this tab plays: kept in sessionStorage so that a reload reconnects with the same token. */
let me = null; // { gameId, playerId, token, name }
let ws = null;
let players = new Map(); // playerId -> { name, score, move }
let round = 0;
let roundsTotal = 0;
let status = 'waiting';
let played = new Set(); // rounds this player sent a move for
let results = new Map(); // round -> result (the first one: a result may come again, marked resent)
let over = false;
let reconnects = 0;
let retryTimer = null;
let retryDelay = 500;

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new Error((json.error || res.status) + ': ' + (json.detail || res.statusText));
  }
  return json;
}

function showError(e) {
  $('error').textContent = e ? String(e.message || e) : '';
}

async function createGame() {
  showError(null);
  try {
    const g = await api('POST', '/api/games', {
      maxPlayers: Number($('players').value),
      rounds: Number($('rounds').value),
    });
    await joinGame(g.id);
  } catch (e) {
    showError(e);
  }
}

async function joinGame(id) {
  showError(null);
  try {
    const name = $('name').value.trim() || 'player';
    const j = await api('POST', '/api/games/' + id + '/join', { name });
    me = { gameId: j.gameId, playerId: j.playerId, token: j.token, name };
    sessionStorage.setItem('hal9.play', JSON.stringify(me));
    enterGame();
  } catch (e) {
    showError(e);
  }
}

function enterGame() {
  $('lobby').classList.add('hidden');
  $('game').classList.remove('hidden');
  $('gid').textContent = me.gameId;
  $('you').textContent = '(you are ' + me.name + ', player ' + me.playerId + ')';
  const link = location.origin + '/?game=' + me.gameId;
  $('invite').textContent = link;
  $('invite').href = link;
  history.replaceState(null, '', '/?game=' + me.gameId);
  refreshGame().then(connect);
}

/** The game's settings, players and scores from the HTTP API (at entry and after each reconnect). */
async function refreshGame() {
  try {
    const g = await api('GET', '/api/games/' + me.gameId);
    roundsTotal = g.rounds;
    if (!over) {
      status = g.status;
      round = g.round;
    }
    for (const p of g.players || []) {
      const known = players.get(p.id) || { move: null };
      players.set(p.id, { name: p.name, score: p.score, move: known.move, left: p.status === 'left' });
    }
    if (['finished', 'expired', 'aborted'].includes(g.status) && !over) {
      finish(g.status === 'finished' ? 'Game over' : 'Game ' + g.status, g.status);
    }
  } catch (e) {
    showError(e);
  }
  render();
}

function connect() {
  if (over || !me) {
    return;
  }
  clearTimeout(retryTimer);
  setConn('connecting', 'warn');
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  const socket = new WebSocket(scheme + location.host + '/ws?token=' + encodeURIComponent(me.token));
  ws = socket;
  socket.onopen = () => {
    retryDelay = 500;
  };
  socket.onmessage = (ev) => {
    if (socket === ws) {
      onMessage(JSON.parse(ev.data));
    }
  };
  socket.onclose = (ev) => {
    if (socket !== ws) {
      return;
    }
    ws = null;
    if (over) {
      setConn('closed', '');
      return;
    }
    if (ev.code === 1000 || ev.code === 4001) {
      // left the game, or this player connected again from another tab: nothing to come back to here
      setConn(ev.code === 4001 ? 'replaced by another tab' : 'closed', 'bad');
      return;
    }
    setConn('reconnecting', 'warn');
    retryTimer = setTimeout(() => {
      reconnects++;
      $('reconnects').textContent = 'reconnected ' + reconnects + '×';
      refreshGame().then(connect);
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 5000);
  };
}

function setConn(text, kind) {
  $('conn').textContent = text;
  $('conn').className = 'pill ' + kind;
}

function onMessage(m) {
  switch (m.type) {
    case 'welcome':
      setConn('connected', 'ok');
      status = m.status === 'unknown' ? status : m.status;
      if (m.round) {
        round = m.round;
      }
      if (reconnects > 0 || status === 'running') {
        send({ type: 'sync' }); // results missed while away come again, marked resent
      }
      break;
    case 'started':
      status = 'running';
      round = m.round;
      for (const p of m.players) {
        players.set(p.id, { name: p.name, score: p.score, move: null, left: !p.active });
      }
      break;
    case 'result':
      onResult(m);
      break;
    case 'ended':
      finish('Game ' + m.status + ': ' + m.detail, m.status);
      break;
    case 'host':
      status = m.status;
      break;
    case 'error':
      showError(new Error(m.error + ': ' + m.detail));
      break;
    default:
      break;
  }
  render();
}

function onResult(m) {
  if (results.has(m.round)) {
    return; // sent again (resent): the first one counts
  }
  results.set(m.round, m);
  for (const p of m.players) {
    const known = players.get(p.playerId) || { name: 'player ' + p.playerId };
    players.set(p.playerId, { ...known, score: p.score, move: p.move });
  }
  const moves = m.players
    .map((p) => nameOf(p.playerId) + ' ' + (p.move ? NAMES[p.move] : '(no move)') + (p.points ? ' +' + p.points : ''))
    .join(', ');
  const li = document.createElement('li');
  li.textContent = 'Round ' + m.round + ': ' + moves + (m.timedOut ? ' (timed out)' : '');
  li.dataset.round = m.round;
  $('log').appendChild(li);
  if (m.status === 'finished') {
    const winners = m.winners.map(nameOf).join(', ');
    finish('Game over: ' + (m.winners.length === 1 ? winners + ' wins' : 'tie between ' + winners), 'finished');
  } else if (m.nextRound > round) {
    round = m.nextRound;
    status = m.status;
  }
}

function finish(text, endedAs) {
  over = true;
  status = endedAs;
  $('outcome').textContent = text;
  $('hint').textContent = '';
  $('again').classList.remove('hidden');
  sessionStorage.removeItem('hal9.play');
  if (ws) {
    ws.close(1000, 'game over');
  }
}

function nameOf(id) {
  const p = players.get(id);
  return p ? p.name : 'player ' + id;
}

function send(m) {
  if (ws && ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify(m));
    return true;
  }
  return false;
}

function play(move) {
  showError(null);
  if (send({ type: 'move', move, round })) {
    played.add(round);
    $('hint').textContent = 'You played ' + NAMES[move] + ' in round ' + round + '; waiting for the others…';
    render();
  } else {
    showError(new Error('not connected: the move was not sent; wait for the connection and play again'));
  }
}

function render() {
  $('status').textContent = status;
  $('round').textContent = round || '-';
  $('rounds-total').textContent = roundsTotal || '-';
  const canPlay = !over && status === 'running' && !played.has(round) && ws && ws.readyState === WebSocket.OPEN;
  for (const b of document.querySelectorAll('#moves button')) {
    b.disabled = !canPlay;
  }
  if (!played.has(round) && !over) {
    $('hint').textContent = status === 'waiting' ? 'Waiting for players to join…' : canPlay ? 'Your move.' : '';
  }
  $('leave').disabled = over;
  $('drop').disabled = over;
  const tbody = $('scores');
  tbody.replaceChildren();
  for (const [id, p] of players) {
    const tr = document.createElement('tr');
    tr.dataset.player = id;
    for (const text of [p.name + (id === me.playerId ? ' (you)' : '') + (p.left ? ' (left)' : ''), p.score, p.move ? NAMES[p.move] : '']) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
}

async function loadWaiting() {
  try {
    const page = await api('GET', '/api/games?status=waiting&size=10');
    const tbody = $('waiting');
    tbody.replaceChildren();
    for (const g of page.games) {
      const tr = document.createElement('tr');
      for (const text of ['#' + g.id, g.playerCount + ' / ' + g.maxPlayers, g.rounds]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      }
      const td = document.createElement('td');
      const b = document.createElement('button');
      b.className = 'secondary';
      b.textContent = 'Join #' + g.id;
      b.addEventListener('click', () => joinGame(g.id));
      td.appendChild(b);
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
    $('waitingNone').classList.toggle('hidden', page.games.length > 0);
  } catch (e) {
    // the list is a convenience: the lobby works without it
  }
}

function init() {
  $('create').addEventListener('click', createGame);
  $('join').addEventListener('click', () => joinGame(Number($('gameId').value)));
  for (const b of document.querySelectorAll('#moves button')) {
    b.addEventListener('click', () => play(b.dataset.move));
  }
  $('leave').addEventListener('click', () => {
    if (send({ type: 'leave' })) {
      finish('You left the game.', 'left');
    }
  });
  // a dropped network: the socket goes without a clean close from the server, and the page reconnects
  $('drop').addEventListener('click', () => {
    if (ws) {
      ws.close(4000, 'dropped from the page');
    }
  });
  $('again').addEventListener('click', () => {
    location.href = '/';
  });
  const saved = sessionStorage.getItem('hal9.play');
  const wanted = new URLSearchParams(location.search).get('game');
  if (saved) {
    me = JSON.parse(saved);
    if (!wanted || Number(wanted) === me.gameId) {
      enterGame();
      return;
    }
    me = null;
  }
  if (wanted) {
    $('gameId').value = wanted;
  }
  loadWaiting();
  setInterval(() => {
    if (!me) {
      loadWaiting();
    }
  }, 3000);
}

init();
