/*
 * LensAI dashboard: plain JavaScript over GET /v1/report (and GET /v1/budgets, GET /v1/audit; PUT /v1/budgets with an
 * admin key), refreshed every 15 s with conditional requests, charts drawn with Chart.js (window.Chart, served from
 * vendor/chart.umd.js). The page holds no data of its own: every number comes from the report the project API key
 * unlocks. Text from the data (model names, users, routes) only ever goes into textContent or onto the canvas.
 */
(function () {
  'use strict';

  const KEY_STORAGE = 'lensai.dashboard.key';
  const RANGES = {
    '24h': { ms: 24 * 3600e3, label: 'Last 24 hours' },
    '7d': { ms: 7 * 86400e3, label: 'Last 7 days' },
    '30d': { ms: 30 * 86400e3, label: 'Last 30 days' },
  };
  const GRAIN_MS = { hour: 3600e3, day: 86400e3 };
  const TOP = 10;
  const MAX_MODELS = 7; // more models than this are summed as "other models"
  const AUTO_REFRESH_MS = 15e3; // with conditional requests: an unchanged report or budgets file is a bodiless 304
  const RECENT_ALERTS = 3; // per budget, in the budget table
  const AUDIT_LIMIT = 50; // the newest entries of the range the panel shows (GET /v1/audit pages oldest first)
  // Okabe–Ito: distinguishable with the common colour-vision deficiencies.
  const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#7A7A7A', '#B8A400'];
  const COLORS = {
    other: '#C4C4C4', users: '#0072B2', routes: '#009E73',
    p50: '#0072B2', p95: '#D55E00', ttft: '#009E73',
    spent: '#0072B2', forecast: '#C9DFF0', limit: '#1B1F24', blocked: '#C62828', over: '#D55E00',
  };

  const $ = (id) => document.getElementById(id);
  const state = { key: null, range: '24h', report: null, audit: null, budgets: null, request: null, charts: [], etags: {}, editing: null, notModified: 0 };
  const reducedMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  // Read-only view for tests and the browser console; the key is not part of it.
  window.LensAIDashboard = Object.freeze({
    get report() { return state.report; },
    get audit() { return state.audit; },
    get budgets() { return state.budgets; },
    get notModified() { return state.notModified; },
    get range() { return state.range; },
    get state() { return document.body.dataset.state; },
  });

  // ---- formatting -------------------------------------------------------------------------------------------------
  const usd2 = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const usdSmall = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumSignificantDigits: 3 });
  const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
  const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });
  const hourFmt = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const dayFmt = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', month: 'short', day: 'numeric' });
  const dateTimeFmt = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

  const num = (v) => (v === null || v === undefined ? 0 : Number(v));
  function fmtUsd(v) {
    const n = num(v);
    // Cents from 10 cents up; below that, three significant digits (a single call often costs a fraction of a cent).
    return n === 0 || Math.abs(n) >= 0.1 ? usd2.format(n) : usdSmall.format(n);
  }
  const fmtMs = (v) => (v === null || v === undefined ? '–' : integer.format(Math.round(v)) + ' ms');
  const fmtBucket = (t, grain) => (grain === 'day' ? dayFmt.format(t) : dateTimeFmt.format(t));
  const truncate = (text, max) => (text.length > max ? text.slice(0, max - 1) + '…' : text);

  // ---- the key ----------------------------------------------------------------------------------------------------
  const memoryStore = {};
  function storage(action, value) {
    try {
      if (action === 'get') return window.sessionStorage.getItem(KEY_STORAGE);
      if (action === 'set') window.sessionStorage.setItem(KEY_STORAGE, value);
      else window.sessionStorage.removeItem(KEY_STORAGE);
    } catch {
      // Storage disabled: keep the key for this page only.
      if (action === 'get') return memoryStore.key || null;
      if (action === 'set') memoryStore.key = value; else delete memoryStore.key;
    }
    return null;
  }

  /** Takes #range=… from the fragment. The key never travels in a URL: it is typed into the form. */
  function readFragment() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    const range = params.get('range');
    if (range && RANGES[range]) state.range = range;
  }

  function setRangeInUrl() {
    history.replaceState(history.state, '', location.pathname + location.search + '#range=' + state.range);
  }

  // ---- page states ------------------------------------------------------------------------------------------------
  function setState(name) {
    document.body.dataset.state = name;
    $('dashboard').setAttribute('aria-busy', String(name === 'loading'));
    $('refresh').disabled = name === 'loading';
  }

  function showSignIn(message) {
    destroyCharts();
    state.report = null;
    $('dashboard').hidden = true;
    $('controls').hidden = true;
    $('project').hidden = true;
    $('sign-in').hidden = false;
    const error = $('key-error');
    error.hidden = !message;
    error.textContent = message || '';
    $('key').focus();
  }

  function showDashboard() {
    $('sign-in').hidden = true;
    $('dashboard').hidden = false;
    $('controls').hidden = false;
    for (const button of document.querySelectorAll('[data-range]')) {
      button.setAttribute('aria-pressed', String(button.dataset.range === state.range));
    }
  }

  function showLoadError(message) {
    const error = $('load-error');
    error.hidden = !message;
    error.textContent = message || '';
  }

  // ---- loading ----------------------------------------------------------------------------------------------------
  async function problemText(response) {
    try {
      const body = await response.json();
      return body.detail || body.title || response.statusText || 'HTTP ' + response.status;
    } catch {
      return response.statusText || 'HTTP ' + response.status;
    }
  }

  /**
   * GET with If-None-Match: the ETag of the last answer drawn for the same URL and key. The server answers an
   * unchanged one with a bodiless 304: returns { notModified: true } and nothing is redrawn.
   */
  async function conditionalFetch(url, signal) {
    // One remembered answer per path: the last one drawn. Another range or key asks without a condition.
    const id = state.key.slice(0, 12) + ' ' + url.toString();
    const headers = { Authorization: 'Bearer ' + state.key, Accept: 'application/json' };
    const known = state.etags[url.pathname];
    if (known && known.id === id) headers['If-None-Match'] = known.etag;
    const response = await fetch(url, { headers, cache: 'no-store', credentials: 'omit', signal });
    if (response.status === 304) {
      state.notModified++;
      return { response, notModified: true };
    }

    const etag = response.headers.get('ETag');
    state.etags[url.pathname] = response.ok && etag ? { id, etag } : null;
    return { response, notModified: false };
  }

  async function load(background) {
    state.key = storage('get');
    if (!state.key) {
      setState('signed-out');
      showSignIn();
      return;
    }

    if (state.request) state.request.abort();
    const request = new AbortController();
    state.request = request;
    showDashboard();
    if (!background) setState('loading');
    // 'to' rounded up to the minute: refreshes within a minute ask for the same report, which the ETag can confirm.
    const to = new Date(Math.ceil(Date.now() / 60e3) * 60e3);
    const from = new Date(to.getTime() - RANGES[state.range].ms);
    const url = new URL('../v1/report', document.baseURI);
    url.searchParams.set('from', from.toISOString());
    url.searchParams.set('to', to.toISOString());
    url.searchParams.set('top', String(TOP));

    let response;
    let report;
    let notModified = false;
    try {
      ({ response, notModified } = await conditionalFetch(url, request.signal));
      if (response.ok && !notModified) report = await response.json();
    } catch (e) {
      if (request.signal.aborted) return;
      showLoadError('Could not reach the LensAI backend (' + e.message + '). The charts show the last data loaded, if any.');
      setState('error');
      return;
    }

    if (request !== state.request) return; // a newer request replaced this one
    state.request = null;
    if (response.status === 401 || response.status === 403) {
      storage('remove');
      state.key = null;
      setState('unauthorized');
      showSignIn('The key was refused (' + response.status + '): ' + (await problemText(response)));
      return;
    }

    if (!response.ok && !notModified) {
      const retry = response.headers.get('Retry-After');
      showLoadError('The report could not be loaded (' + response.status + '): ' + (await problemText(response)) + (retry ? ' Try again in ' + retry + ' s.' : ''));
      setState('error');
      return;
    }

    showLoadError('');
    if (!notModified) {
      state.report = report;
      render(report);
    }

    await loadAudit(from, to, request);
    await loadBudgets(request);
    setState('ready');
  }

  // ---- budgets: the file (GET /v1/budgets, read) and, with an admin key, editing it (PUT /v1/budgets) ---------------
  async function loadBudgets(request) {
    try {
      const url = new URL('../v1/budgets', document.baseURI);
      const { response, notModified } = await conditionalFetch(url, request.signal);
      if (!notModified) {
        if (!response.ok) {
          budgetError('The budgets could not be loaded (' + response.status + '): ' + (await problemText(response)));
          return;
        }

        state.budgets = await response.json();
      }
    } catch (e) {
      if (request.signal.aborted) return;
      budgetError('The budgets could not be loaded (' + e.message + ').');
      return;
    }

    renderBudgetTable();
  }

  function budgetError(message) {
    const p = $('budget-error');
    p.textContent = message;
    p.hidden = !message;
  }

  /** One row per budget: its definition, its state and forecast (from the report), its recent alerts (from the audit log). */
  function renderBudgetTable() {
    const admin = !!(state.audit && state.audit.allowed);
    $('budget-admin').hidden = false;
    $('budget-form').hidden = !admin;
    $('budget-admin-note').textContent = admin ? 'Changes are saved with PUT /v1/budgets and audited.'
      : 'Editing budgets needs an admin key; this key can read them only.';
    const container = $('budget-table');
    container.replaceChildren();
    const budgets = (state.budgets && state.budgets.budgets) || [];
    if (!budgets.length) return;
    const gauges = (state.report && state.report.budgets) || [];
    const alerts = ((state.audit && state.audit.entries) || []).filter((e) => e.action === 'alert.sent');
    const wrap = document.createElement('table');
    const head = document.createElement('tr');
    for (const h of ['Budget', 'Scope', 'Period', 'Limit', 'At 100 %', 'Channels', 'State', 'Forecast', 'Recent alerts', '']) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = h;
      head.append(th);
    }

    const thead = document.createElement('thead');
    thead.append(head);
    const body = document.createElement('tbody');
    for (const b of budgets) {
      const gauge = gauges.find((g) => g.budget_id === b.id);
      const mine = alerts.filter((e) => e.target === 'budget:' + b.id || (e.target || '').startsWith('budget:' + b.id + '/')).slice(0, RECENT_ALERTS);
      const stateText = !gauge ? 'not checked yet'
        : (gauge.blocked ? 'Blocked: ' : num(gauge.spent_usd) >= num(gauge.limit_usd) ? 'Over: ' : '') + fmtUsd(num(gauge.spent_usd)) + ' of ' + fmtUsd(num(gauge.limit_usd));
      const alertText = mine.map((e) => dateTimeFmt.format(new Date(e.at)) + ' ' + ((e.after && e.after.kind) || '') +
        (e.after && e.after.threshold_percent ? ' ' + e.after.threshold_percent + ' %' : '') + (e.after && e.after.channel ? ' (' + e.after.channel + ')' : '')).join('; ');
      const cells = [b.id, b.scope + (b.scope_value ? ' ' + b.scope_value : ''), b.period, fmtUsd(num(b.amount_usd)), b.action,
        (b.channels && b.channels.length ? b.channels.join(', ') : 'all configured') + (b.email_to && b.email_to.length ? ' → ' + b.email_to.join(', ') : ''),
        stateText, gauge ? fmtUsd(num(gauge.forecast_usd)) : '–', alertText || (state.audit && state.audit.allowed ? 'none in this range' : '–')];
      const row = document.createElement('tr');
      row.dataset.budgetId = b.id;
      for (const c of cells) {
        const td = document.createElement('td');
        td.textContent = c;
        row.append(td);
      }

      const actions = document.createElement('td');
      if (state.audit && state.audit.allowed) {
        const edit = document.createElement('button');
        edit.type = 'button';
        edit.className = 'quiet';
        edit.textContent = 'Edit';
        edit.setAttribute('aria-label', 'Edit budget ' + b.id);
        edit.addEventListener('click', () => editBudget(b));
        const del = document.createElement('button');
        del.type = 'button';
        del.className = 'quiet danger';
        del.textContent = 'Delete';
        del.setAttribute('aria-label', 'Delete budget ' + b.id);
        del.addEventListener('click', () => {
          if (del.dataset.armed !== 'true') { // a second click confirms
            del.dataset.armed = 'true';
            del.textContent = 'Confirm delete';
            return;
          }

          saveBudgets((file) => { file.budgets = (file.budgets || []).filter((x) => x.id !== b.id); }, 'deleted ' + b.id);
        });
        actions.append(edit, del);
      }

      row.append(actions);
      body.append(row);
    }

    wrap.append(thead, body);
    container.append(wrap);
  }

  const field = (id) => $(id);

  function editBudget(b) {
    state.editing = b.id;
    $('budget-form-title').textContent = 'Edit budget ' + b.id;
    field('b-id').value = b.id;
    field('b-scope').value = b.scope;
    field('b-scope-value').value = b.scope_value || '';
    field('b-period').value = b.period;
    field('b-amount').value = String(b.amount_usd);
    field('b-thresholds').value = (b.thresholds || []).join(', ');
    field('b-action').value = b.action;
    field('b-override').value = String(Math.round(parseSpan(b.override_window) / 60));
    for (const box of document.querySelectorAll('input[name="b-channel"]')) box.checked = !!(b.channels && b.channels.includes(box.value));
    field('b-email-to').value = (b.email_to || []).join(', ');
    field('b-id').focus();
  }

  function resetForm() {
    state.editing = null;
    $('budget-form').reset();
    $('budget-form-title').textContent = 'New budget';
  }

  /** "1.02:03:04" or "02:03:04" (a .NET TimeSpan in JSON) → seconds. */
  function parseSpan(text) {
    const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+)/.exec(text || '');
    return m ? ((num(m[1]) * 24 + num(m[2])) * 60 + num(m[3])) * 60 + num(m[4]) : 3600;
  }

  /** Minutes → a .NET TimeSpan in JSON ("d.hh:mm:ss" or "hh:mm:ss"). */
  function formatSpan(minutes) {
    const two = (n) => String(n).padStart(2, '0');
    const days = Math.floor(minutes / 1440);
    const rest = minutes - days * 1440;
    return (days ? days + '.' : '') + two(Math.floor(rest / 60)) + ':' + two(rest % 60) + ':00';
  }

  const list = (text) => text.split(',').map((x) => x.trim()).filter((x) => x);

  function budgetFromForm() {
    const channels = [...document.querySelectorAll('input[name="b-channel"]:checked')].map((box) => box.value);
    const emails = list(field('b-email-to').value);
    const budget = {
      id: field('b-id').value.trim(),
      scope: field('b-scope').value,
      period: field('b-period').value,
      amount_usd: Number(field('b-amount').value),
      thresholds: list(field('b-thresholds').value).map(Number),
      action: field('b-action').value,
      override_window: formatSpan(Math.max(1, Math.round(Number(field('b-override').value) || 60))),
    };
    const scopeValue = field('b-scope-value').value.trim();
    if (scopeValue) budget.scope_value = scopeValue;
    if (channels.length) budget.channels = channels;
    if (emails.length) budget.email_to = emails;
    return budget;
  }

  /** Reads the current file, applies <change>, and PUTs it back with an admin key; the server validates and re-checks at once. */
  async function saveBudgets(change, reason) {
    budgetError('');
    const url = new URL('../v1/budgets', document.baseURI);
    const auth = { Authorization: 'Bearer ' + state.key };
    try {
      const current = await fetch(url, { headers: { ...auth, Accept: 'application/json' }, cache: 'no-store', credentials: 'omit' });
      if (!current.ok) {
        budgetError('The budgets could not be read (' + current.status + '): ' + (await problemText(current)));
        return false;
      }

      const file = await current.json();
      change(file);
      const response = await fetch(url, {
        method: 'PUT',
        headers: { ...auth, 'Content-Type': 'application/json', 'X-LensAI-Reason': 'dashboard: ' + reason },
        body: JSON.stringify(file),
        cache: 'no-store',
        credentials: 'omit',
      });
      if (!response.ok) {
        let text = await problemText(response.clone());
        try {
          const problem = await response.json();
          if (problem.errors) text += ' ' + problem.errors.map((e) => e.pointer + ' ' + e.message).join(' ');
        } catch { /* the detail is enough */ }
        budgetError('Not saved (' + response.status + '): ' + text);
        return false;
      }
    } catch (e) {
      budgetError('Not saved: ' + e.message);
      return false;
    }

    resetForm();
    await load();
    return true;
  }

  // ---- the audit log (admin keys) ----------------------------------------------------------------------------------
  /** Loads the range's audit log, newest last page first; a key without the admin scope gets a note instead. */
  async function loadAudit(from, to, request) {
    state.audit = null;
    const note = $('audit-note');
    const container = $('audit-table');
    container.replaceChildren();
    let entries = [];
    let cursor = null;
    try {
      do {
        const url = new URL('../v1/audit', document.baseURI);
        url.searchParams.set('from', from.toISOString());
        url.searchParams.set('to', to.toISOString());
        url.searchParams.set('limit', '500');
        if (cursor) url.searchParams.set('cursor', cursor);
        const response = await fetch(url, {
          headers: { Authorization: 'Bearer ' + state.key, Accept: 'application/json' },
          cache: 'no-store',
          credentials: 'omit',
          signal: request.signal,
        });
        if (response.status === 403) {
          note.textContent = 'The audit log needs an admin key; this key can read reports only.';
          state.audit = { allowed: false, entries: [] };
          return;
        }

        if (!response.ok) {
          note.textContent = 'The audit log could not be loaded (' + response.status + '): ' + (await problemText(response));
          return;
        }

        const page = await response.json();
        entries = entries.concat(page.entries || []);
        cursor = page.next_cursor;
      } while (cursor && entries.length < 5000);
    } catch (e) {
      if (request.signal.aborted) return;
      note.textContent = 'The audit log could not be loaded (' + e.message + ').';
      return;
    }

    const newest = entries.slice(-AUDIT_LIMIT).reverse();
    state.audit = { allowed: true, entries: newest };
    note.textContent = entries.length === 0 ? 'No changes in this range.'
      : (entries.length > AUDIT_LIMIT ? 'The newest ' + AUDIT_LIMIT + ' of ' + integer.format(entries.length) : integer.format(entries.length)) +
        ' change' + (entries.length === 1 ? '' : 's') + ' in this range, newest first (all of them: lensai audit, or GET /v1/audit).';
    if (!newest.length) return;
    table(container, ['When (UTC)', 'Who', 'Kind', 'Target', 'Change', 'Reason'],
      newest.map((e) => [dateTimeFmt.format(new Date(e.at)), e.actor, e.action, e.target || '', auditChange(e), e.reason || '']));
  }

  /** What changed, in one line: the members that differ before → after, else the entry's summary. */
  function auditChange(e) {
    const show = (v) => (v === null || v === undefined ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v));
    const before = e.before;
    const after = e.after;
    const members = (o) => Object.keys(o).filter((k) => o[k] !== null && typeof o[k] !== 'object').map((k) => k + ': ' + show(o[k])).join('; ');
    if (!before && !after) return e.detail || '';
    if (!before && typeof after === 'object') return truncate(members(after), 200);
    if (!after && typeof before === 'object') return 'deleted (was ' + truncate(members(before), 160) + ')';
    if (typeof before !== 'object' || typeof after !== 'object') return show(before) + ' → ' + show(after);
    const changes = Object.keys(after).filter((k) => show(before[k]) !== show(after[k])).map((k) => k + ': ' + show(before[k]) + ' → ' + show(after[k]));
    return changes.length ? changes.join('; ') : 'no change';
  }

  // ---- rendering --------------------------------------------------------------------------------------------------
  function render(r) {
    $('project').textContent = 'Project ' + r.project;
    $('project').hidden = false;
    const grain = r.grain === 'day' ? 'daily' : 'hourly';
    $('range-text').textContent = RANGES[state.range].label + ': ' + dateTimeFmt.format(new Date(r.from)) + ' – ' +
      dateTimeFmt.format(new Date(r.to)) + ' UTC, ' + grain + ' buckets';

    const t = r.totals;
    $('total-cost').textContent = fmtUsd(t.cost_usd);
    $('total-requests').textContent = integer.format(t.requests);
    $('total-tokens').textContent = compact.format(t.tokens_in) + ' / ' + compact.format(t.tokens_out);
    $('total-latency').textContent = t.latency_p50 === null || t.latency_p50 === undefined ? '–'
      : integer.format(Math.round(t.latency_p50)) + ' / ' + fmtMs(t.latency_p95);
    $('total-errors').textContent = integer.format(t.errors) + (t.requests > 0 ? ' (' + percent.format(t.errors / t.requests) + ')' : '');

    destroyCharts();
    renderUnpriced(r);
    renderEstimated(r);
    renderCost(r);
    renderTop('users', r.by_user || [], COLORS.users, 'user');
    renderTop('routes', r.by_route || [], COLORS.routes, 'route');
    renderLatency(r);
    renderBudgets(r);
  }

  function renderEstimated(r) {
    const banner = $('estimated');
    const count = num((r.totals || {}).estimated);
    banner.hidden = count === 0;
    banner.textContent = count === 0 ? '' : integer.format(count) + ' call' + (count === 1 ? '' : 's') +
      ' ended before the provider reported usage (abandoned or broken streams, timeouts): their tokens and cost are estimates, included in the totals.';
  }

  function renderUnpriced(r) {
    const banner = $('unpriced');
    const models = r.unpriced_models || [];
    banner.replaceChildren();
    banner.hidden = models.length === 0;
    if (!models.length) return;

    const calls = (r.by_model || []).filter((m) => models.includes(m.key));
    const total = calls.reduce((sum, m) => sum + num(m.unpriced), 0);
    const head = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = (total ? integer.format(total) + ' call' + (total === 1 ? ' was' : 's were') : 'Some calls were') + ' not priced.';
    head.append(strong, ' The price catalogue has no entry for ' + (models.length === 1 ? 'this model' : 'these models') +
      ', so their cost is missing from the totals and charts (it is unknown, not $0). Add a price override (docs/pricing.md) to count them.');
    const list = document.createElement('ul');
    list.id = 'unpriced-models';
    for (const model of models) {
      const item = document.createElement('li');
      const code = document.createElement('code');
      code.textContent = model;
      const row = calls.find((m) => m.key === model);
      item.append(code, row ? ' — ' + integer.format(num(row.unpriced)) + ' unpriced call' + (num(row.unpriced) === 1 ? '' : 's') : '');
      list.append(item);
    }

    banner.append(head, list);
  }

  /** Every bucket of the range (so quiet hours show as gaps, not as a squeezed axis), plus any the data names. */
  function bucketsOf(r, points) {
    const step = GRAIN_MS[r.grain] || GRAIN_MS.hour;
    const set = new Set();
    const from = Date.parse(r.from);
    const to = Date.parse(r.to);
    for (let t = Math.ceil(from / step) * step; t < to; t += step) set.add(t);
    for (const p of points) set.add(Date.parse(p.bucket));
    return [...set].sort((a, b) => a - b);
  }

  function bucketLabels(buckets, grain) {
    if (grain === 'day') return buckets.map((b) => dayFmt.format(b));
    return buckets.map((b, i) => {
      const hour = hourFmt.format(b);
      return i === 0 || new Date(b).getUTCHours() === 0 ? [hour, dayFmt.format(b)] : hour;
    });
  }

  function renderCost(r) {
    const points = r.cost_over_time || [];
    const buckets = bucketsOf(r, points);
    const at = new Map(buckets.map((b, i) => [b, i]));
    const totals = new Map();
    for (const p of points) totals.set(p.key, (totals.get(p.key) || 0) + num(p.cost_usd));
    // A model the catalogue cannot price has no cost to stack; the banner names it instead of a $0 legend entry.
    for (const model of r.unpriced_models || []) if (totals.get(model) === 0) totals.delete(model);
    const models = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a) || a.localeCompare(b));
    const shown = models.length > MAX_MODELS + 1 ? models.slice(0, MAX_MODELS) : models;
    const rows = new Map(shown.map((m) => [m, new Array(buckets.length).fill(0)]));
    const other = shown.length < models.length ? new Array(buckets.length).fill(0) : null;
    for (const p of points) {
      if (!totals.has(p.key)) continue;
      (rows.get(p.key) || other)[at.get(Date.parse(p.bucket))] += num(p.cost_usd);
    }

    const datasets = shown.map((model, i) => ({
      label: model, data: rows.get(model), backgroundColor: PALETTE[i % PALETTE.length], stack: 'cost', borderWidth: 0,
    }));
    if (other) datasets.push({ label: (models.length - shown.length) + ' other models', data: other, backgroundColor: COLORS.other, stack: 'cost', borderWidth: 0 });

    const total = [...totals.values()].reduce((a, b) => a + b, 0);
    $('cost-note').textContent = 'USD, ' + (r.grain === 'day' ? 'per day' : 'per hour') + ', stacked; total ' + fmtUsd(total);
    const canvas = $('cost-chart');
    canvas.setAttribute('aria-label', 'Stacked bar chart of cost over time by model. Total ' + fmtUsd(total) +
      (models.length ? '; highest ' + models[0] + ' at ' + fmtUsd(totals.get(models[0])) : '; no calls in this range') + '. The data table below lists every bucket.');
    chart(canvas, {
      type: 'bar',
      data: { labels: bucketLabels(buckets, r.grain), datasets },
      options: options({
        scales: {
          x: { stacked: true, grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 }, title: { display: true, text: r.grain === 'day' ? 'Day (UTC)' : 'Hour (UTC)' } },
          y: { stacked: true, beginAtZero: true, ticks: { callback: (v) => fmtUsd(v) } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: (items) => fmtBucket(buckets[items[0].dataIndex], r.grain) + ' UTC',
              label: (item) => item.dataset.label + ': ' + fmtUsd(item.raw),
              footer: (items) => 'Total: ' + fmtUsd(items.reduce((sum, item) => sum + num(item.raw), 0)),
            },
          },
          lensaiEmpty: { text: points.length ? '' : 'No calls in this range' },
        },
      }),
    });

    table($('cost-table'), ['Bucket (UTC)', ...datasets.map((d) => d.label), 'Total'],
      buckets.map((b, i) => [fmtBucket(b, r.grain), ...datasets.map((d) => fmtUsd(d.data[i])), fmtUsd(datasets.reduce((s, d) => s + d.data[i], 0))]));
  }

  function renderTop(name, rows, color, noun) {
    const canvas = $(name + '-chart');
    canvas.setAttribute('aria-label', 'Horizontal bar chart of the top ' + rows.length + ' ' + noun + 's by cost' +
      (rows.length ? '; highest ' + rows[0].key + ' at ' + fmtUsd(rows[0].cost_usd) : '') + '. The data table below lists them.');
    chart(canvas, {
      type: 'bar',
      data: {
        labels: rows.map((row) => row.key),
        datasets: [{ label: 'Cost (USD)', data: rows.map((row) => num(row.cost_usd)), backgroundColor: color, borderRadius: 3, maxBarThickness: 22 }],
      },
      options: options({
        indexAxis: 'y',
        interaction: { mode: 'nearest', axis: 'y', intersect: false },
        scales: {
          x: { beginAtZero: true, ticks: { callback: (v) => fmtUsd(v), maxTicksLimit: 6 } },
          y: { grid: { display: false }, ticks: { callback(value) { return truncate(String(this.getLabelForValue(value)), 26); } } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (item) => fmtUsd(item.raw),
              afterLabel: (item) => {
                const row = rows[item.dataIndex];
                return integer.format(row.requests) + ' requests · p50 ' + fmtMs(row.latency_p50) + ' · p95 ' + fmtMs(row.latency_p95) +
                  (row.unpriced ? ' · ' + integer.format(row.unpriced) + ' unpriced' : '');
              },
            },
          },
          lensaiEmpty: { text: rows.length ? '' : 'No calls in this range' },
        },
      }),
    });

    table($(name + '-table'), [noun[0].toUpperCase() + noun.slice(1), 'Cost', 'Requests', 'Tokens in', 'Tokens out', 'p50', 'p95', 'Unpriced'],
      rows.map((row) => [row.key, fmtUsd(row.cost_usd), integer.format(row.requests), integer.format(row.tokens_in), integer.format(row.tokens_out),
        fmtMs(row.latency_p50), fmtMs(row.latency_p95), integer.format(row.unpriced)]));
  }

  function renderLatency(r) {
    const points = r.latency_over_time || [];
    const buckets = bucketsOf(r, points);
    const byBucket = new Map(points.map((p) => [Date.parse(p.bucket), p]));
    const series = (field) => buckets.map((b) => {
      const p = byBucket.get(b);
      return p && p[field] !== null && p[field] !== undefined ? Number(p[field]) : null;
    });
    const line = (label, data, color, dash) => ({
      label, data, borderColor: color, backgroundColor: color, borderWidth: 2, borderDash: dash, pointRadius: 3, pointHoverRadius: 5, tension: 0.2, spanGaps: false,
    });
    const datasets = [line('p50', series('p50'), COLORS.p50, []), line('p95', series('p95'), COLORS.p95, [])];
    const ttft = series('ttft_p50');
    if (ttft.some((v) => v !== null)) datasets.push(line('time to first token p50 (streams)', ttft, COLORS.ttft, [6, 4]));

    const worst = Math.max(0, ...datasets[1].data.filter((v) => v !== null));
    const canvas = $('latency-chart');
    canvas.setAttribute('aria-label', 'Line chart of p50 and p95 latency per ' + (r.grain === 'day' ? 'day' : 'hour') + ' in milliseconds' +
      (points.length ? '; highest p95 ' + fmtMs(worst) : '; no calls in this range') + '. The data table below lists every bucket.');
    chart(canvas, {
      type: 'line',
      data: { labels: bucketLabels(buckets, r.grain), datasets },
      options: options({
        scales: {
          x: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
          y: { beginAtZero: true, ticks: { callback: (v) => integer.format(v) + ' ms' } },
        },
        plugins: {
          legend: { labels: { usePointStyle: true, pointStyle: 'line' } },
          tooltip: {
            callbacks: {
              title: (items) => fmtBucket(buckets[items[0].dataIndex], r.grain) + ' UTC',
              label: (item) => item.dataset.label + ': ' + fmtMs(item.raw),
              footer: (items) => {
                const p = byBucket.get(buckets[items[0].dataIndex]);
                return p ? integer.format(p.requests) + ' requests' : '';
              },
            },
          },
          lensaiEmpty: { text: points.length ? '' : 'No calls in this range' },
        },
      }),
    });

    table($('latency-table'), ['Bucket (UTC)', 'Requests', 'p50', 'p95', 'TTFT p50'],
      points.map((p) => [fmtBucket(Date.parse(p.bucket), r.grain), integer.format(p.requests), fmtMs(p.p50), fmtMs(p.p95), fmtMs(p.ttft_p50)]));
  }

  function renderBudgets(r) {
    const list = $('budgets');
    list.replaceChildren();
    const budgets = r.budgets || [];
    $('budgets-empty').hidden = budgets.length > 0;
    budgets.forEach((b, i) => {
      const limit = num(b.limit_usd);
      const spent = num(b.spent_usd);
      const forecast = num(b.forecast_usd);
      const share = limit > 0 ? spent / limit : 0;
      const status = b.blocked ? ['blocked', 'Blocked']
        : spent >= limit ? ['over', 'Over limit']
          : forecast > limit ? ['risk', 'Forecast over limit']
            : ['ok', 'On track'];

      const item = document.createElement('li');
      item.className = b.blocked ? 'blocked' : '';
      item.dataset.budgetId = b.budget_id;
      const head = document.createElement('div');
      head.className = 'gauge-head';
      const title = document.createElement('h3');
      title.textContent = b.budget_id + ' ';
      const scope = document.createElement('span');
      scope.className = 'gauge-scope';
      scope.textContent = (b.scope === 'project' ? 'whole project' : b.scope + ' ' + (b.scope_value || '')) + ' · ' + b.period;
      title.append(scope);
      const badge = document.createElement('span');
      badge.className = 'badge ' + status[0];
      badge.textContent = status[1];
      head.append(title, badge);

      const box = document.createElement('div');
      box.className = 'chart gauge';
      const canvas = document.createElement('canvas');
      canvas.id = 'budget-' + i;
      canvas.dataset.chart = 'budget';
      canvas.dataset.budgetId = b.budget_id;
      canvas.setAttribute('role', 'img');
      box.append(canvas);

      const text = document.createElement('p');
      text.className = 'gauge-text';
      const ends = dateTimeFmt.format(new Date(b.period_end)) + ' UTC';
      text.textContent = 'Spent ' + fmtUsd(spent) + ' of ' + fmtUsd(limit) + ' (' + percent.format(share) + ') · forecast ' + fmtUsd(forecast) +
        ' by period end (' + ends + ')' + (b.blocked ? '. Calls in this scope are refused until the period resets, the limit is raised or someone overrides.' : '.');
      canvas.setAttribute('aria-label', 'Budget ' + b.budget_id + ': ' + text.textContent + ' Status: ' + status[1] + '.');
      item.append(head, box, text);
      list.append(item);

      const spentColor = b.blocked ? COLORS.blocked : spent >= limit ? COLORS.over : COLORS.spent;
      // The scale keeps spent-versus-limit readable: a forecast far past the limit runs off the edge, labelled.
      const top = Math.max(limit, spent, Math.min(forecast, limit * 1.5)) * 1.1 || 1;
      chart(canvas, {
        type: 'bar',
        data: {
          labels: [b.budget_id],
          datasets: [
            { label: 'Spent', data: [spent], backgroundColor: spentColor, grouped: false, barPercentage: 0.5, categoryPercentage: 1, order: 0 },
            { label: 'Forecast', data: [forecast], backgroundColor: COLORS.forecast, grouped: false, barPercentage: 1, categoryPercentage: 1, order: 1 },
          ],
        },
        options: options({
          indexAxis: 'y',
          layout: { padding: { top: 4, right: 8 } },
          scales: {
            x: { min: 0, max: top, ticks: { callback: (v) => fmtUsd(v), maxTicksLimit: 6, includeBounds: false }, grid: { color: '#EEF1F4' } },
            y: { display: false },
          },
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { title: () => b.budget_id, label: (item) => item.dataset.label + ': ' + fmtUsd(item.raw), footer: () => 'Limit: ' + fmtUsd(limit) } },
            lensaiLimit: { value: limit, color: COLORS.limit, beyond: forecast > top ? 'forecast ' + fmtUsd(forecast) + ' ›' : '' },
          },
        }),
      });
    });
  }

  // ---- helpers ----------------------------------------------------------------------------------------------------
  function options(extra) {
    const base = {
      responsive: true,
      maintainAspectRatio: false,
      animation: reducedMotion ? false : { duration: 250 },
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12 } } },
    };
    return merge(base, extra);
  }

  function merge(target, source) {
    for (const [key, value] of Object.entries(source)) {
      target[key] = value && typeof value === 'object' && !Array.isArray(value) && target[key] && typeof target[key] === 'object'
        ? merge(target[key], value)
        : value;
    }
    return target;
  }

  function chart(canvas, config) {
    const existing = window.Chart.getChart(canvas);
    if (existing) existing.destroy();
    state.charts.push(new window.Chart(canvas, config));
  }

  function destroyCharts() {
    for (const c of state.charts) c.destroy();
    state.charts = [];
  }

  function table(container, headers, rows) {
    const element = document.createElement('table');
    const head = element.createTHead().insertRow();
    for (const h of headers) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = h;
      head.append(th);
    }
    const body = element.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      row.forEach((cell, i) => {
        const td = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) td.scope = 'row';
        td.textContent = cell;
        tr.append(td);
      });
    }
    container.replaceChildren(element);
  }

  function registerPlugins() {
    const Chart = window.Chart;
    Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
    Chart.defaults.font.size = 12;
    Chart.defaults.color = '#3D444D';
    Chart.defaults.borderColor = '#E3E7EB';
    Chart.register({
      // "No calls in this range" over an empty chart.
      id: 'lensaiEmpty',
      afterDraw(c, args, opts) {
        if (!opts || !opts.text) return;
        const { ctx, chartArea: a } = c;
        ctx.save();
        ctx.fillStyle = '#57606A';
        ctx.font = '14px ' + Chart.defaults.font.family;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.fillText(opts.text, (a.left + a.right) / 2, (a.top + a.bottom) / 2);
        ctx.restore();
      },
    });
    Chart.register({
      // The budget's limit: a vertical line across a gauge.
      id: 'lensaiLimit',
      afterDatasetsDraw(c, args, opts) {
        if (!opts || opts.value === undefined || opts.value === null) return;
        const x = c.scales.x.getPixelForValue(opts.value);
        const { ctx, chartArea: a } = c;
        ctx.save();
        ctx.strokeStyle = opts.color || '#000';
        ctx.lineWidth = 3;
        ctx.beginPath();
        ctx.moveTo(x, a.top - 2);
        ctx.lineTo(x, a.bottom + 2);
        ctx.stroke();
        if (opts.beyond) {
          ctx.fillStyle = '#1B1F24';
          ctx.font = '600 12px ' + Chart.defaults.font.family;
          ctx.textAlign = 'right';
          ctx.textBaseline = 'middle';
          ctx.fillText(opts.beyond, a.right - 4, (a.top + a.bottom) / 2);
        }
        ctx.restore();
      },
    });
  }

  // ---- start ------------------------------------------------------------------------------------------------------
  function start() {
    if (!window.Chart) {
      $('sign-in').hidden = true;
      $('dashboard').hidden = false;
      showLoadError('The chart library (vendor/chart.umd.js) did not load.');
      setState('error');
      return;
    }

    registerPlugins();
    $('chart-credit').textContent = 'Chart.js ' + window.Chart.version;
    readFragment();

    $('key-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = $('key');
      const key = input.value.trim();
      if (!key) return;
      storage('set', key);
      input.value = '';
      load();
    });
    for (const button of document.querySelectorAll('[data-range]')) {
      button.addEventListener('click', () => {
        state.range = button.dataset.range;
        setRangeInUrl();
        load();
      });
    }
    $('refresh').addEventListener('click', () => load());
    $('budget-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const budget = budgetFromForm();
      const replacing = state.editing;
      saveBudgets((file) => {
        const others = (file.budgets || []).filter((x) => x.id !== replacing && x.id !== budget.id);
        const old = (file.budgets || []).find((x) => x.id === (replacing || budget.id));
        file.budgets = others.concat([old ? { ...old, ...budget, channels: budget.channels, email_to: budget.email_to, scope_value: budget.scope_value } : budget]);
      }, (replacing ? 'edited ' : 'created ') + budget.id);
    });
    $('b-cancel').addEventListener('click', () => { resetForm(); budgetError(''); });
    $('sign-out').addEventListener('click', () => {
      storage('remove');
      state.key = null;
      setState('signed-out');
      showSignIn();
    });
    window.addEventListener('hashchange', () => {
      readFragment();
      load();
    });
    setInterval(() => {
      if (document.visibilityState === 'visible' && document.body.dataset.state === 'ready') load(true);
    }, AUTO_REFRESH_MS);

    load();
  }

  start();
}());
