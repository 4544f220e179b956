// Darasa offline app: class registers, timed reading checks (EGRA-style) and coaching visits,
// captured with no network and synced later (docs/sync.md). Hand-written, no framework.
// Data lives in IndexedDB: `meta` (what the last pull gave), `outbox` (records not yet
// acknowledged by the server) and `rejected` (records the server refused, with its reason).
// A record leaves the outbox only when the server has acknowledged it (stored or duplicate).
'use strict';

const DB_NAME = 'darasa';
const PAGE = 200;            // records per pushed batch
const state = { meta: null, outbox: 0, rejected: [], lastSync: null, syncing: false };

// ---------------------------------------------------------------- storage
function openDB() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore('meta');
      db.createObjectStore('outbox', { keyPath: 'id' });
      db.createObjectStore('rejected', { keyPath: 'id' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
let dbPromise = null;
function db() { return dbPromise || (dbPromise = openDB()); }
async function tx(store, mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(store, mode);
    const s = t.objectStore(store);
    let result;
    Promise.resolve(fn(s)).then((r) => { result = r; });
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}
const req2p = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
const getMeta = (key) => tx('meta', 'readonly', (s) => req2p(s.get(key)));
const setMeta = (key, value) => tx('meta', 'readwrite', (s) => { s.put(value, key); });
const allOf = (store) => tx(store, 'readonly', (s) => req2p(s.getAll()));
const countOf = (store) => tx(store, 'readonly', (s) => req2p(s.count()));
async function addRecords(records) {
  await tx('outbox', 'readwrite', (s) => { for (const r of records) s.put(r); });
  await refreshStatus();
}

// ---------------------------------------------------------------- helpers
const $ = (sel) => document.querySelector(sel);
function t(key, values) {
  const strings = (state.meta && state.meta.strings) || {};
  let s = strings[key] || key;
  for (const [k, v] of Object.entries(values || {})) s = s.split('{' + k + '}').join(String(v));
  return s;
}
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'onclick') e.addEventListener('click', v);
    else if (k === 'text') e.textContent = v;
    else if (v !== false && v != null) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}
// Record ids are time-ordered UUIDs (version 7, RFC 9562): the first 48 bits are the time in
// milliseconds, the rest random. Records made together sort together, so the server files a
// register's records on a few index pages instead of one page each (docs/sync.md).
function uuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let ms = Date.now();
  for (let i = 5; i >= 0; i--) { b[i] = ms % 256; ms = Math.floor(ms / 256); }
  b[6] = (b[6] & 15) | 112; b[8] = (b[8] & 63) | 128;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
function show(...nodes) { const v = $('#view'); v.replaceChildren(...nodes); window.scrollTo(0, 0); }
/// The server's today as of the last pull, moved on by the time since on this device's clock
/// (so a device offline for a week still dates its records right, and the demo's clock holds).
function today() {
  const m = state.meta;
  if (!m || !m.today || !m.pulledAt) return new Date().toISOString().slice(0, 10);
  const base = Date.parse(m.today + 'T00:00:00Z');
  const days = Math.floor((Date.now() - m.pulledAt) / 86400000);
  return new Date(base + days * 86400000).toISOString().slice(0, 10);
}
function recentDays() {
  const days = ((state.meta && state.meta.schoolDays) || []).filter((d) => d <= today());
  return days.slice(-6).reverse();
}

// ---------------------------------------------------------------- status and sync
async function refreshStatus() {
  state.outbox = await countOf('outbox');
  state.rejected = await allOf('rejected');
  state.lastSync = await getMeta('lastSync');
  const online = navigator.onLine ? t('app_online') : t('app_offline');
  const last = state.lastSync ? new Date(state.lastSync).toLocaleString() : t('app_never');
  $('#status').textContent = `${online} · ${t('app_waiting', { count: state.outbox })} · ${t('app_last_sync', { when: last })}`;
  $('#status').dataset.waiting = String(state.outbox);
  $('#sync').textContent = t('app_sync_now');
}

async function post(path, body) {
  const json = JSON.stringify(body);
  const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': state.meta.csrf };
  let payload = json;
  if (typeof CompressionStream !== 'undefined') {
    payload = await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
    headers['Content-Encoding'] = 'gzip';
  }
  return fetch(path, { method: 'POST', headers, body: payload, credentials: 'same-origin' });
}

/// Pulls what the user's devices need (in pages), then pushes the outbox in batches. Records
/// are removed only once acknowledged; a refused record moves to `rejected` with the reason.
async function sync() {
  if (state.syncing || !navigator.onLine) return;
  state.syncing = true;
  $('#sync').disabled = true;
  try {
    await pull();
    let pending = await allOf('outbox');
    pending.sort((a, b) => a.markedAt - b.markedAt || (a.id < b.id ? -1 : 1));
    const device = await deviceID();
    while (pending.length) {
      const page = pending.slice(0, PAGE);
      const res = await post('/api/v1/sync/push', { device, batch: uuid(), records: page });
      if (res.status === 401 || res.status === 403) { notice(t('app_sign_in_again'), true); return; }
      if (!res.ok) { notice(t('app_sync_failed', { status: res.status }), true); return; }
      const body = await res.json();
      await tx('outbox', 'readwrite', (s) => { for (const r of body.results) if (r.status !== 'rejected') s.delete(r.id); });
      const refused = body.results.filter((r) => r.status === 'rejected');
      if (refused.length) {
        const byID = new Map(page.map((r) => [r.id, r]));
        await tx('rejected', 'readwrite', (s) => { for (const r of refused) s.put({ ...byID.get(r.id), reason: r.reason }); });
        await tx('outbox', 'readwrite', (s) => { for (const r of refused) s.delete(r.id); });
      }
      pending = pending.slice(page.length);
    }
    await setMeta('lastSync', Date.now());
  } catch (e) {
    notice(t('app_sync_failed', { status: e.message || 'network' }), true);
  } finally {
    state.syncing = false;
    $('#sync').disabled = false;
    await refreshStatus();
  }
}

async function pull() {
  let cursor = await getMeta('cursor');
  let learners = [];
  let meta = null;
  for (let page = 0; page < 100; page++) {
    const res = await fetch('/api/v1/sync/pull?limit=1000' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''), { credentials: 'same-origin' });
    if (res.status === 401) throw new Error(t('app_sign_in_again'));
    if (!res.ok) throw new Error('pull ' + res.status);
    const body = await res.json();
    const unchanged = cursor && body.cursor === cursor && !body.learners.length;
    meta = body;
    learners = learners.concat(body.learners);
    cursor = body.cursor;
    if (unchanged) { learners = null; break; }
    if (!body.more) break;
  }
  const old = state.meta || {};
  state.meta = { ...meta, pulledAt: Date.now(), learners: learners === null ? (old.learners || []) : learners };
  await setMeta('state', state.meta);
  await setMeta('cursor', cursor);
}

async function deviceID() {
  let id = await getMeta('device');
  if (!id) { id = uuid(); await setMeta('device', id); }
  return id;
}

function notice(text, error) {
  const n = el('p', { class: error ? 'error' : 'notice', role: 'status', 'data-notice': '' , text });
  $('#view').prepend(n);
}

// ---------------------------------------------------------------- home
function home() {
  const m = state.meta;
  const parts = [el('h1', { text: t('app_hello', { name: m.user }) })];
  if (m.classes.length) {
    parts.push(el('h2', { text: t('app_register') }));
    parts.push(el('div', { class: 'row' }, ...m.classes.map((c) =>
      el('button', { type: 'button', 'data-class': `${c.grade}-${c.section}`, onclick: () => register(c, recentDays()[0] || today()) }, c.label))));
    if (m.instruments.some((i) => i.subtasks.some((s) => s.kind === 'timed_grid' || s.kind === 'level'))) {
      parts.push(el('h2', { text: t('app_assess') }));
      parts.push(el('div', { class: 'row' }, ...m.classes.map((c) =>
        el('button', { type: 'button', 'data-assess': `${c.grade}-${c.section}`, onclick: () => chooseLearner(c) }, c.label))));
    }
  }
  if (m.schools.length && m.role !== 'teacher') {
    parts.push(el('h2', { text: t('app_visit') }));
    parts.push(el('button', { type: 'button', 'data-action': 'visit', onclick: visitForm }, t('app_new_visit')));
  }
  if (state.rejected.length) {
    parts.push(el('h2', { text: t('app_rejected', { count: state.rejected.length }) }));
    parts.push(el('ul', { class: 'list', 'data-list': 'rejected' }, ...state.rejected.map((r) => el('li', {}, `${r.type} ${r.date || ''}: ${r.reason}`))));
  }
  parts.push(el('p', { class: 'note', text: t('app_offline_note') }));
  show(...parts);
}

// ---------------------------------------------------------------- register
const MARKS = ['present', 'absent', 'late', 'excused'];
function register(cls, day) {
  const learners = state.meta.learners.filter((l) => l.grade === cls.grade && l.section === cls.section);
  const marks = new Map(learners.map((l) => [l.id, 'present']));
  const list = el('ul', { class: 'list', 'data-list': 'register' });
  for (const l of learners) {
    const b = el('button', { type: 'button', class: 'mark', 'data-learner': String(l.id), 'data-mark': 'present' }, t('mark_present'));
    b.addEventListener('click', () => {
      const next = MARKS[(MARKS.indexOf(marks.get(l.id)) + 1) % MARKS.length];
      marks.set(l.id, next);
      b.dataset.mark = next;
      b.textContent = t('mark_' + next);
    });
    list.append(el('li', {}, el('span', { text: l.name }), b));
  }
  const days = recentDays();
  const select = el('select', { id: 'day', 'aria-label': t('register_day') }, ...days.map((d) => el('option', { value: d, selected: d === day }, d)));
  select.addEventListener('change', () => register(cls, select.value));
  const save = el('button', { type: 'button', class: 'primary', 'data-action': 'save-register', onclick: async () => {
    const at = Date.now();
    await addRecords(learners.map((l) => ({ id: uuid(), type: 'attendance', learner: l.id, school: l.school, date: select.value, mark: marks.get(l.id), markedAt: at })));
    home();
    notice(t('app_register_saved', { count: learners.length, class: cls.label }));
    sync();
  } }, t('register_save'));
  show(el('h1', { text: `${cls.label}` }), el('label', { for: 'day', text: t('register_day') }), select,
       el('p', { class: 'note', text: t('app_register_help') }), list, el('div', { class: 'row' }, save, back()));
}

function back() { return el('button', { type: 'button', 'data-action': 'back', onclick: home }, t('app_back')); }

// ---------------------------------------------------------------- assessments
function chooseLearner(cls) {
  const learners = state.meta.learners.filter((l) => l.grade === cls.grade && l.section === cls.section);
  const tasks = [];
  for (const i of state.meta.instruments) {
    if (i.grades.length && !i.grades.includes(cls.grade)) continue;
    for (const s of i.subtasks) if (s.kind === 'timed_grid' || s.kind === 'level') tasks.push({ instrument: i, subtask: s });
  }
  const learnerSel = el('select', { id: 'learner' }, ...learners.map((l) => el('option', { value: String(l.id) }, l.name)));
  const taskSel = el('select', { id: 'task' }, ...tasks.map((x, i) => el('option', { value: String(i) }, `${x.instrument.code}: ${x.subtask.name}`)));
  const start = el('button', { type: 'button', class: 'primary', 'data-action': 'start-assessment', onclick: () => {
    const learner = learners.find((l) => String(l.id) === learnerSel.value);
    const task = tasks[Number(taskSel.value)];
    if (!learner || !task) return;
    if (task.subtask.kind === 'level') levelTest(learner, task); else timedGrid(learner, task, cls);
  } }, t('app_start'));
  show(el('h1', { text: t('app_assess') + ' — ' + cls.label }), el('label', { for: 'learner', text: t('col_learner') }), learnerSel,
       el('label', { for: 'task', text: t('app_task') }), taskSel, el('div', { class: 'row' }, start, back()));
}

/// EGRA timed grid (METHODS.md): 60 seconds; tap the items read wrong; the first line all wrong
/// stops the task (it scores 0); at the end mark the last item attempted. Fluency = correct ÷
/// (time used ÷ 60), shown to the assessor and scored again by the server.
function timedGrid(learner, task, cls) {
  const s = task.subtask;
  const n = s.itemCount, limit = s.timeLimitSeconds || 60, first = s.firstLineLength || 10;
  const texts = s.itemTexts || Array.from({ length: n }, (_, i) => String(i + 1));
  const wrong = new Set();
  let left = limit, timer = null, running = false, finished = false, last = null;
  const clock = el('div', { class: 'timer', 'data-timer': '' }, String(left));
  const grid = el('div', { class: 'grid', style: `grid-template-columns:repeat(${first},1fr)` });
  const cells = texts.slice(0, n).map((text, i) => {
    const b = el('button', { type: 'button', 'data-item': String(i + 1) }, text);
    b.addEventListener('click', () => {
      if (finished && last === null) { chooseLast(i); return; }
      if (!running) return;
      if (wrong.has(i)) { wrong.delete(i); b.classList.remove('wrong'); } else { wrong.add(i); b.classList.add('wrong'); }
      if (i < first && [...Array(first).keys()].every((k) => wrong.has(k))) { stop(true); chooseLast(first - 1); }
    });
    grid.append(b);
    return b;
  });
  const prompt = el('p', { class: 'note', 'data-prompt': '' }, t('app_grid_help'));
  const result = el('div', { 'data-result': '' });
  const startButton = el('button', { type: 'button', class: 'primary', 'data-action': 'start-timer', onclick: () => {
    if (running || finished) return;
    running = true;
    startButton.disabled = true;
    timer = setInterval(() => { left -= 1; clock.textContent = String(left); if (left <= 0) stop(false); }, 1000);
  } }, t('app_start_timer'));
  const stopButton = el('button', { type: 'button', 'data-action': 'stop-timer', onclick: () => stop(false) }, t('app_stop'));
  function stop(earlyStop) {
    if (finished) return;
    clearInterval(timer);
    running = false; finished = true;
    if (!earlyStop) prompt.textContent = t('app_mark_last');
  }
  function chooseLast(i) {
    last = i;
    cells.forEach((c, k) => { c.classList.toggle('last', k === i); c.classList.toggle('unread', k > i); });
    const attempted = i + 1;
    const incorrect = [...wrong].filter((k) => k <= i).length;
    const used = limit - left;
    const stopped = i === first - 1 && [...Array(first).keys()].every((k) => wrong.has(k));
    const fluency = stopped ? 0 : (used > 0 ? Math.round(((attempted - incorrect) / (used / 60)) * 10) / 10 : 0);
    const responses = cells.map((_, k) => (k > i ? '.' : wrong.has(k) ? '0' : '1')).join('');
    result.replaceChildren(el('p', { 'data-fluency': String(fluency) }, stopped ? t('app_early_stop') : t('app_fluency', { score: fluency, attempted, incorrect })));
    const record = { id: uuid(), type: 'assessment', learner: learner.id, school: learner.school, instrument: task.instrument.code, subtask: s.code,
                     date: today(), attempted: stopped ? first : attempted, incorrect: stopped ? first : incorrect, secondsRemaining: left,
                     responses, assessor: state.meta.user, markedAt: Date.now() };
    const comprehension = task.instrument.subtasks.find((x) => x.code === 'comprehension');
    const save = el('button', { type: 'button', class: 'primary', 'data-action': 'save-assessment', onclick: async () => {
      const records = [record];
      if (comprehension && s.code === 'orf' && comprehension.sentenceEnds) {
        const asked = comprehension.sentenceEnds.filter((end) => end <= attempted).length;
        if (asked > 0) { comprehensionQuestions(learner, task.instrument, comprehension, asked, records, cls); return; }
      }
      await addRecords(records);
      home();
      notice(t('app_assessment_saved', { name: learner.name }));
      sync();
    } }, t('app_save'));
    result.append(el('div', { class: 'row' }, save));
  }
  show(el('h1', { text: `${learner.name} — ${s.name}` }), clock, el('div', { class: 'row' }, startButton, stopButton, back()), prompt, grid, result);
}

/// Comprehension: only the questions whose sentence the child reached are asked (METHODS.md).
function comprehensionQuestions(learner, instrument, subtask, asked, records, cls) {
  const answers = Array(asked).fill(null);
  const list = el('ol', { class: 'list', 'data-list': 'questions' });
  for (let q = 0; q < asked; q++) {
    const right = el('button', { type: 'button', 'data-question': String(q + 1), 'data-answer': 'right' }, t('app_right'));
    const wrongB = el('button', { type: 'button', 'data-question': String(q + 1), 'data-answer': 'wrong' }, t('app_wrong'));
    right.addEventListener('click', () => { answers[q] = 1; right.classList.add('primary'); wrongB.classList.remove('primary'); });
    wrongB.addEventListener('click', () => { answers[q] = 0; wrongB.classList.add('primary'); right.classList.remove('primary'); });
    list.append(el('li', {}, el('span', { text: t('app_question', { n: q + 1 }) }), el('span', { class: 'row' }, right, wrongB)));
  }
  const save = el('button', { type: 'button', class: 'primary', 'data-action': 'save-comprehension', onclick: async () => {
    const correct = answers.filter((a) => a === 1).length;
    records.push({ id: uuid(), type: 'assessment', learner: learner.id, school: learner.school, instrument: instrument.code, subtask: subtask.code,
                   date: today(), correct, responses: answers.map((a) => (a === 1 ? '1' : a === 0 ? '0' : '.')).join('') + '.'.repeat(subtask.itemCount - asked),
                   assessor: state.meta.user, markedAt: Date.now() });
    await addRecords(records);
    home();
    notice(t('app_assessment_saved', { name: learner.name }));
    sync();
  } }, t('app_save'));
  show(el('h1', { text: `${learner.name} — ${subtask.name}` }), el('p', { class: 'note', text: t('app_questions_help', { count: asked }) }), list,
       el('div', { class: 'row' }, save, back()));
}

/// ASER-style placement: the highest level the child reads comfortably.
function levelTest(learner, task) {
  const s = task.subtask;
  const buttons = (s.levels || []).map((name, i) => el('button', { type: 'button', 'data-level': String(i), onclick: async () => {
    await addRecords([{ id: uuid(), type: 'assessment', learner: learner.id, school: learner.school, instrument: task.instrument.code, subtask: s.code,
                        date: today(), level: i, assessor: state.meta.user, markedAt: Date.now() }]);
    home();
    notice(t('app_level_saved', { name: learner.name, level: name }));
    sync();
  } }, name));
  show(el('h1', { text: `${learner.name} — ${s.name}` }), el('p', { class: 'note', text: t('app_level_help') }), el('div', { class: 'row' }, ...buttons), back());
}

// ---------------------------------------------------------------- visits
function visitForm() {
  const m = state.meta;
  const school = el('select', { id: 'school' }, ...m.schools.map((s) => el('option', { value: String(s.id) }, s.name)));
  const date = el('input', { id: 'visit-date', type: 'date', value: today(), max: today() });
  const purpose = el('select', { id: 'purpose' }, el('option', { value: 'coaching' }, t('purpose_coaching')), el('option', { value: 'quality_assurance' }, t('purpose_quality_assurance')));
  const rubric = new Map();
  const rubricList = el('ul', { class: 'list', 'data-list': 'rubric' }, ...m.rubric.map((c) => {
    const row = el('span', { class: 'row' }, ...[1, 2, 3, 4].map((n) => {
      const b = el('button', { type: 'button', 'data-criterion': c, 'data-score': String(n) }, String(n));
      b.addEventListener('click', () => { rubric.set(c, n); row.querySelectorAll('button').forEach((x) => x.classList.toggle('primary', x === b)); });
      return b;
    }));
    return el('li', {}, el('span', { text: t('rubric_' + c) }), row);
  }));
  const notes = el('textarea', { id: 'notes', rows: '3', maxlength: '2000' });
  const followUps = el('div', { 'data-list': 'followups' });
  const addFollowUp = () => followUps.append(el('div', { class: 'row' }, el('input', { class: 'action', placeholder: t('app_follow_up'), maxlength: '300' }),
                                                    el('input', { class: 'due', type: 'date' })));
  addFollowUp();
  const save = el('button', { type: 'button', class: 'primary', 'data-action': 'save-visit', onclick: async () => {
    const actions = [...followUps.querySelectorAll('.row')].map((r) => ({ action: r.querySelector('.action').value.trim(), due: r.querySelector('.due').value || undefined }))
      .filter((a) => a.action);
    await addRecords([{ id: uuid(), type: 'visit', school: Number(school.value), date: date.value, purpose: purpose.value,
                        rubric: Object.fromEntries(rubric), notes: notes.value, followUps: actions, markedAt: Date.now() }]);
    home();
    notice(t('app_visit_saved'));
    sync();
  } }, t('app_save'));
  show(el('h1', { text: t('app_new_visit') }), el('label', { for: 'school', text: t('col_school') }), school, el('label', { for: 'visit-date', text: t('col_day') }), date,
       el('label', { for: 'purpose', text: t('col_purpose') }), purpose, el('h2', { text: t('app_rubric') }), rubricList,
       el('label', { for: 'notes', text: t('app_notes') }), notes, el('h2', { text: t('followups_due') }), followUps,
       el('div', { class: 'row' }, el('button', { type: 'button', onclick: addFollowUp }, t('app_add_follow_up')), save, back()));
}

// ---------------------------------------------------------------- start
async function start() {
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => {});
  state.meta = await getMeta('state');
  $('#sync').addEventListener('click', sync);
  window.addEventListener('online', () => { refreshStatus(); sync(); });
  window.addEventListener('offline', refreshStatus);
  if (!state.meta) {
    try { await pull(); } catch (e) {
      show(el('p', { class: 'error' }, 'Sign in once while online, then open the app again: it keeps working without a network after that.'),
           el('p', {}, el('a', { href: '/login' }, 'Sign in')));
      return;
    }
  }
  document.documentElement.lang = state.meta.language || 'en';
  await refreshStatus();
  home();
  setInterval(() => { if (navigator.onLine && state.outbox) sync(); }, 60000);
  if (navigator.onLine) sync().then(() => { if (document.querySelector('[data-list]') === null) home(); });
}
start();
