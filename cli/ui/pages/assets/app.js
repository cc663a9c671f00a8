// ochopod ui: makes the server-rendered pages live (docs/ui.md "The live
// stream"). Without it every page still works: forms post, links link, and
// "Refresh" reloads. Data from the server is only ever set as text
// (textContent) or as HTML the server rendered and escaped (fragments).
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
const body = document.body;
const csrf = $('meta[name="csrf"]')?.content ?? '';
// Server time minus ours, so "x s ago" agrees with the server's rendering.
const skew = Number(body.dataset.now || 0) ? Number(body.dataset.now) - Date.now() / 1000 : 0;

for (const el of $$('.js-only')) el.hidden = false;

// ---- relative times ------------------------------------------------------
function ago(t) {
  const d = Math.max(0, Date.now() / 1000 + skew - t);
  if (d < 60) return `${Math.floor(d)} s ago`;
  if (d < 3600) return `${Math.floor(d / 60)} min ago`;
  if (d < 86400) return `${Math.floor(d / 3600)} h ago`;
  return `${Math.floor(d / 86400)} d ago`;
}
const clock = (t) => new Date(t * 1000).toLocaleTimeString([], { hour12: false });
function tick() {
  for (const el of $$('time[data-ago]')) {
    const t = Number(el.dataset.ago);
    const text = ago(t);
    if (el.textContent !== text) el.textContent = text;
    if (!el.dataset.local) {
      el.title = new Date(t * 1000).toLocaleString();
      el.dataset.local = '1';
    }
  }
}
setInterval(tick, 1000);
tick();

// ---- connection banner ---------------------------------------------------
const conn = $('#conn');
const refresh = $('#refresh');
let zkLostSince = 0;
let streamUp = false;
function showConn() {
  if (!conn) return;
  let text = 'live';
  let state = 'ok';
  if (!streamUp) {
    text = 'reconnecting…';
    state = 'wait';
  } else if (zkLostSince) {
    text = `stale since ${clock(zkLostSince)}`;
    state = 'bad';
  }
  conn.textContent = text;
  conn.dataset.state = state;
  if (refresh) refresh.hidden = streamUp && !zkLostSince;
}

// ---- log panes -------------------------------------------------------------
const MAX_LINES = 20000;
const panes = new Map(); // pane id -> {follow, filter}
function paneState(id) {
  if (!panes.has(id)) panes.set(id, { follow: true, filter: '' });
  return panes.get(id);
}
function matches(filter, text) {
  if (!filter) return true;
  const invert = filter.startsWith('!');
  const needle = invert ? filter.slice(1) : filter;
  if (!needle) return true;
  return text.includes(needle) !== invert;
}
function applyFilter(pane, lines = $$('.line', pane)) {
  const { filter } = paneState(pane.id);
  for (const line of lines) line.hidden = !matches(filter, line.textContent);
}
function atBottom(pane) {
  return pane.scrollHeight - pane.scrollTop - pane.clientHeight < 8;
}
function stickToBottom(pane) {
  if (paneState(pane.id).follow) pane.scrollTop = pane.scrollHeight;
}
function setFollow(id, follow) {
  paneState(id).follow = follow;
  const button = $(`.logbar[data-log="${CSS.escape(id)}"] [data-follow]`);
  if (button) {
    button.setAttribute('aria-pressed', String(follow));
    button.textContent = follow ? 'Follow' : 'Paused (scroll to the end to follow)';
  }
}
function wirePane(pane) {
  if (pane.dataset.wired) return;
  pane.dataset.wired = '1';
  pane.addEventListener('scroll', () => {
    const bottom = atBottom(pane);
    if (bottom !== paneState(pane.id).follow) setFollow(pane.id, bottom);
  });
  applyFilter(pane);
  stickToBottom(pane);
}
function appendLines(id, lines) {
  const pane = document.getElementById(id);
  if (!pane) return;
  const added = lines.map((text) => {
    const span = document.createElement('span');
    span.className = 'line';
    span.textContent = text;
    return span;
  });
  pane.append(...added);
  const all = pane.getElementsByClassName('line');
  while (all.length > MAX_LINES) all[0].remove();
  applyFilter(pane, added);
  stickToBottom(pane);
}
for (const bar of $$('.logbar')) {
  const id = bar.dataset.log;
  const filter = $('[data-log-filter]', bar);
  filter?.addEventListener('input', () => {
    paneState(id).filter = filter.value;
    const pane = document.getElementById(id);
    if (pane) applyFilter(pane);
  });
  $('[data-follow]', bar)?.addEventListener('click', () => {
    const follow = !paneState(id).follow;
    setFollow(id, follow);
    const pane = document.getElementById(id);
    if (pane && follow) stickToBottom(pane);
  });
  $('[data-download]', bar)?.addEventListener('click', () => {
    const pane = document.getElementById(id);
    if (!pane) return;
    const text = $$('.line', pane).map((l) => l.textContent).join('\n') + '\n';
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    a.download = `${(bar.dataset.name || 'ochopod').replace(/[^\w.-]+/g, '_')}.log`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
}
for (const pane of $$('.log[id]')) wirePane(pane);

// ---- fragments -------------------------------------------------------------
function replaceFragment(id, html) {
  const old = document.getElementById(id);
  if (!old) return;
  const template = document.createElement('template');
  template.innerHTML = html; // rendered and escaped by the server
  const fresh = template.content.firstElementChild;
  if (!fresh || fresh.id !== id) return;
  // What the person was doing inside the old element survives the swap.
  const active = document.activeElement;
  const focusId = active && old.contains(active) ? active.id : '';
  const checked = new Map($$('input[type="checkbox"][id]', old).map((c) => [c.id, c.checked]));
  const open = new Set($$('details[id]', old).filter((d) => d.open).map((d) => d.id));
  const scroll = new Map($$('[id]', old).filter((e) => e.scrollTop).map((e) => [e.id, e.scrollTop]));
  const isLog = old.classList.contains('log');
  const wasFollowing = isLog && paneState(id).follow;
  const oldTop = old.scrollTop;
  old.replaceWith(fresh);
  for (const [cid, value] of checked) {
    const box = document.getElementById(cid);
    if (box && fresh.contains(box)) box.checked = value;
  }
  for (const did of open) {
    const d = document.getElementById(did);
    if (d) d.open = true;
  }
  for (const [sid, top] of scroll) {
    const e = document.getElementById(sid);
    if (e) e.scrollTop = top;
  }
  if (isLog) {
    wirePane(fresh);
    if (!wasFollowing) fresh.scrollTop = oldTop;
  } else {
    fresh.scrollTop = oldTop;
    for (const pane of $$('.log[id]', fresh)) wirePane(pane);
  }
  if (focusId) document.getElementById(focusId)?.focus({ preventScroll: true });
  tick();
}

// ---- the stream --------------------------------------------------------------
if (body.dataset.stream) {
  const url = new URL('/api/v1/stream', location.origin);
  url.searchParams.set('view', body.dataset.stream);
  url.searchParams.set('c', body.dataset.glob || '*');
  const source = new EventSource(url);
  const parse = (e) => {
    try {
      return JSON.parse(e.data);
    } catch {
      return null;
    }
  };
  source.addEventListener('open', () => {
    streamUp = true;
    showConn();
  });
  source.addEventListener('error', () => {
    streamUp = false;
    showConn();
  });
  source.addEventListener('fragment', (e) => {
    const d = parse(e);
    if (d && typeof d.id === 'string' && typeof d.html === 'string') {
      replaceFragment(d.id, d.html);
      tick();
    }
  });
  source.addEventListener('log', (e) => {
    const d = parse(e);
    if (d && typeof d.id === 'string' && Array.isArray(d.lines)) appendLines(d.id, d.lines.map(String));
  });
  source.addEventListener('zk', (e) => {
    const d = parse(e);
    if (!d) return;
    zkLostSince = d.connected ? 0 : Number(d.stale_since) || Date.now() / 1000;
    showConn();
  });
  showConn();
}

// ---- confirmations in a <dialog> -------------------------------------------
function message(dialog, text) {
  let p = $('.dialog-problem', dialog);
  if (!p) {
    p = document.createElement('p');
    p.className = 'problem dialog-problem';
    p.setAttribute('role', 'alert');
    $('form', dialog)?.prepend(p);
  }
  p.textContent = text;
}

// The confirm page's form as the JSON of POST /api/v1/actions (docs/ui.md).
function actionJson(form) {
  const f = new FormData(form);
  const out = {
    action: f.get('action'),
    cluster: f.get('cluster'),
    expect: f.getAll('expect').map(String),
  };
  if (f.get('all')) out.all = true;
  else out.seqs = f.getAll('seq').map(Number);
  for (const key of ['body', 'tool', 'confirm']) if (f.has(key)) out[key] = String(f.get(key));
  return out;
}

async function loadConfirm(query) {
  const reply = await fetch(`/confirm?${query}`, { headers: { Accept: 'text/html' } });
  const doc = new DOMParser().parseFromString(await reply.text(), 'text/html');
  return { form: $('form.confirm', doc), problem: $('.problem', doc)?.textContent ?? '' };
}

async function openConfirm(query, trigger) {
  let loaded;
  try {
    loaded = await loadConfirm(query);
  } catch {
    location.href = `/confirm?${query}`; // the page works without us
    return;
  }
  const dialog = document.createElement('dialog');
  dialog.className = 'confirm-dialog';
  const close = () => dialog.close();
  dialog.addEventListener('close', () => {
    dialog.remove();
    trigger?.focus();
  });
  const show = ({ form, problem }, note = '') => {
    dialog.replaceChildren();
    if (!form) {
      const p = document.createElement('p');
      p.className = 'problem';
      p.textContent = problem || 'This action cannot be confirmed.';
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Close';
      b.addEventListener('click', close);
      dialog.append(p, b);
      b.focus();
      return;
    }
    const node = document.importNode(form, true);
    dialog.append(node);
    dialog.setAttribute('aria-labelledby', 'confirm-title');
    if (note) message(dialog, note);
    const cancel = $('[data-cancel]', node);
    cancel?.setAttribute('role', 'button');
    cancel?.addEventListener('click', (e) => {
      e.preventDefault();
      close();
    });
    node.addEventListener('submit', (e) => {
      e.preventDefault();
      submit(node);
    });
    cancel?.focus();
  };
  const submit = async (form) => {
    const data = actionJson(form);
    if (data.action === 'signal') {
      let parsed;
      try {
        parsed = JSON.parse(data.body ?? '');
      } catch {
        parsed = null;
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        message(dialog, 'The body must be a JSON object, like {"reload": true}.');
        return;
      }
    }
    const button = $('button[type="submit"]', form);
    if (button) button.disabled = true;
    let reply;
    try {
      reply = await fetch('/api/v1/actions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Ochopod-CSRF': csrf || String(new FormData(form).get('csrf') ?? '') },
        body: JSON.stringify(data),
      });
    } catch {
      if (button) button.disabled = false;
      message(dialog, 'No answer from the ui server: try again.');
      return;
    }
    const answer = await reply.json().catch(() => ({}));
    if (reply.status === 202 && answer.id !== undefined) {
      location.href = `/actions/${encodeURIComponent(answer.id)}`;
      return;
    }
    if (reply.status === 409) {
      // The pods changed since the dialog opened: show the new list and why.
      const left = (answer.left ?? []).join(', ');
      const joined = (answer.joined ?? []).join(', ');
      const parts = [];
      if (left) parts.push(`left: ${left}`);
      if (joined) parts.push(`joined: ${joined}`);
      const note = `The pods changed (${parts.join('; ') || 'membership'}). Check the list and confirm again.`;
      try {
        show(await loadConfirm(query), note);
      } catch {
        message(dialog, note);
      }
      return;
    }
    if (button) button.disabled = false;
    message(dialog, answer.error ? `Refused: ${answer.error}` : `Refused (HTTP ${reply.status}).`);
  };
  document.body.append(dialog);
  dialog.showModal();
  show(loaded);
}

document.addEventListener('submit', (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.matches('form[data-confirm]')) return;
  e.preventDefault();
  const data = new FormData(form);
  const submitter = e.submitter;
  if (submitter?.name) data.set(submitter.name, submitter.value);
  openConfirm(new URLSearchParams(data).toString(), submitter || form);
});

// ---- keys ----------------------------------------------------------------
document.addEventListener('keydown', (e) => {
  if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  const filter = $$('[data-filter]').find((el) => el.offsetParent !== null);
  if (!filter) return;
  e.preventDefault();
  filter.focus();
});
