/* global document, location, history, crypto */
// The doms web page: place an order, and watch the user's orders move through the saga without a reload, each with a
// long-poll (GET /orders/<id>?wait=…&status=<known>) that the order service answers as soon as the status changes.
// Plain DOM, no framework, no build step; everything comes from this origin (the server sends a strict CSP).

const TERMINAL = new Set(['CONFIRMED', 'REJECTED', 'CANCELLED']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE_SIZE = 10;
/** Long-polls at once at most: a browser opens about six connections to one host, and the form and the list need theirs. */
const MAX_POLLS = 3;
/** How long one long-poll may be held: long when every watched order has a slot, short when others wait their turn. */
const LONG_WAIT = '25s';
const SHORT_WAIT = '5s';

const $ = (id) => document.getElementById(id);

/** An element with attributes (`class`, `data-*`, …; `text` sets its text) and children (elements or strings). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) node.append(child);
  return node;
}

function randomUuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // crypto.randomUUID needs a secure context (https or localhost); a page opened by host name over http has only this.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const short = (id) => String(id).slice(0, 8);

/** The JSON body of an answer, or a stand-in with its text when it is not JSON (a proxy's error page, say). */
async function bodyOf(res) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 200) || `HTTP ${res.status}` };
  }
}

// ---- state ------------------------------------------------------------------------------------------------------

const state = {
  userId: '',
  page: 0,
  totalPages: 0,
  totalElements: 0,
  /** The shown orders by id, newest first. */
  orders: new Map(),
  /** Bumped whenever another list is shown: answers that belong to an older one are dropped. */
  generation: 0,
};

// ---- the form ---------------------------------------------------------------------------------------------------

let rowCount = 0;

function itemRows() {
  return [...$('item-rows').querySelectorAll('.item-row')];
}

function addItemRow(productId = '', quantity = '1') {
  const n = ++rowCount;
  const product = el('input', {
    id: `product-${n}`,
    class: 'product',
    value: productId,
    list: 'known-products',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'product id (UUID)',
    'aria-describedby': `item-error-${n}`,
  });
  const quantityInput = el('input', {
    id: `quantity-${n}`,
    class: 'quantity',
    type: 'number',
    inputmode: 'numeric',
    min: 1,
    step: 1,
    value: quantity,
    'aria-describedby': `item-error-${n}`,
  });
  const remove = el('button', { type: 'button', class: 'remove secondary', 'aria-label': 'Remove this product', title: 'Remove this product', text: '×' });
  const row = el(
    'div',
    { class: 'item-row' },
    el('label', { for: `product-${n}` }, 'Product id', product),
    el('label', { for: `quantity-${n}` }, 'Quantity', quantityInput),
    remove,
    el('p', { id: `item-error-${n}`, class: 'field-error', hidden: true }),
  );
  remove.addEventListener('click', () => {
    row.remove();
    updateRemoveButtons();
  });
  $('item-rows').append(row);
  updateRemoveButtons();
  return row;
}

function updateRemoveButtons() {
  const rows = itemRows();
  for (const row of rows) row.querySelector('.remove').disabled = rows.length === 1;
}

/** A number input's value as the API should see it: a number, absent when empty, or the text when it is not a number. */
function numberOf(input) {
  if (input.validity.badInput) return 'not a number';
  const text = input.value.trim();
  return text === '' ? undefined : Number(text);
}

/** The request body, as typed: the API checks it and names what is wrong. */
function readForm() {
  const body = { userId: $('userId').value.trim() };
  const amount = numberOf($('amount'));
  if (amount !== undefined) body.amount = amount;
  body.items = {};
  for (const row of itemRows()) {
    const id = row.querySelector('.product').value.trim();
    const quantity = numberOf(row.querySelector('.quantity'));
    if (id === '' && quantity === undefined) continue;
    const before = body.items[id];
    body.items[id] = typeof before === 'number' && typeof quantity === 'number' ? before + quantity : (quantity ?? null);
  }
  return body;
}

function clearFormErrors() {
  $('form-error').hidden = true;
  $('form-error').replaceChildren();
  for (const p of $('order-form').querySelectorAll('.field-error')) {
    p.hidden = true;
    p.textContent = '';
  }
  for (const input of $('order-form').querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** Where an error about `field` goes: its message paragraph, and the input to mark (given the message). */
function fieldTarget(field, message) {
  const direct = { userId: 'userId', amount: 'amount', 'Idempotency-Key': 'idempotencyKey' }[field];
  if (direct) return { paragraph: $(`${direct}-error`), input: $(direct), text: message };
  if (field === 'items') return { paragraph: $('items-error'), input: itemRows()[0]?.querySelector('.product'), text: message };
  if (!field.startsWith('items.')) return undefined;
  // items.<productId>: the row of that product; the message is about its id or its quantity.
  const id = field.slice('items.'.length).toLowerCase();
  const row = itemRows().find((r) => r.querySelector('.product').value.trim().toLowerCase() === id);
  if (!row) return { paragraph: $('items-error'), text: `${id || '(no product id)'}: ${message}` };
  const aboutId = /product id/.test(message);
  return {
    paragraph: row.querySelector('.field-error'),
    input: row.querySelector(aboutId ? '.product' : '.quantity'),
    text: aboutId ? message : `quantity ${message}`,
  };
}

/** The API's errors (status 0: found before sending): each next to its field, and all of them in the alert above the form. */
function showFormErrors(status, body) {
  const errors =
    Array.isArray(body.errors) && body.errors.length > 0
      ? body.errors
      : [{ field: body.field, message: body.field && body.message?.startsWith(`${body.field}: `) ? body.message.slice(body.field.length + 2) : body.message }];
  const summary = el('ul');
  for (const { field, message = `HTTP ${status}` } of errors) {
    const target = field ? fieldTarget(field, message) : undefined;
    if (target) {
      target.paragraph.textContent = target.paragraph.textContent ? `${target.paragraph.textContent}; ${target.text}` : target.text;
      target.paragraph.hidden = false;
      target.input?.setAttribute('aria-invalid', 'true');
    }
    summary.append(field && field !== 'body' ? el('li', {}, el('code', { text: field }), `: ${message}`) : el('li', { text: message }));
  }
  const title =
    status === 0
      ? 'The order was not sent:'
      : status >= 500
        ? `The order service could not take the order (HTTP ${status}):`
        : `The order was not placed (HTTP ${status}):`;
  $('form-error').replaceChildren(el('strong', { text: title }), summary);
  $('form-error').hidden = false;
  $('order-form').querySelector('[aria-invalid="true"]')?.focus();
}

function showFormFailure(text) {
  $('form-error').replaceChildren(el('strong', { text }));
  $('form-error').hidden = false;
}

async function placeOrder(event) {
  event.preventDefault();
  clearFormErrors();
  $('form-result').textContent = '';
  const body = readForm();
  const headers = { 'Content-Type': 'application/json' };
  const key = $('idempotencyKey').value;
  if (key !== '') {
    // fetch refuses some header values outright; say so the way the API would.
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) return showFormErrors(0, { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' });
    headers['Idempotency-Key'] = key;
  }
  const button = $('place');
  button.disabled = true;
  button.textContent = 'Placing…';
  try {
    let res;
    try {
      res = await fetch('/orders', { method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store' });
    } catch {
      return showFormFailure('The order service did not answer: is it running? Nothing was placed; try again.');
    }
    const answer = await bodyOf(res);
    if (res.status !== 200) return showFormErrors(res.status, answer);
    const replayed = res.headers.get('Idempotent-Replayed') === 'true';
    $('form-result').textContent = replayed
      ? `This Idempotency-Key was used before: here is its order ${short(answer.id)} (${answer.status}); no new order.`
      : `Order ${short(answer.id)} placed.`;
    if (answer.userId !== state.userId || state.page !== 0) {
      $('userId').value = answer.userId;
      await showUser(answer.userId, 0);
    } else {
      addOrder(answer);
    }
  } finally {
    button.disabled = false;
    button.textContent = 'Place order';
  }
}

// ---- the orders -------------------------------------------------------------------------------------------------

function formatDelta(ms) {
  if (ms < 1000) return `+${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `+${(ms / 1000).toFixed(1)} s`;
  return `+${Math.round(ms / 60_000)} min`;
}

const badge = (status) => el('span', { class: `badge status-${status}`, text: status });

function orderRow(order) {
  const created = new Date(order.createdAt);
  const items = el('ul', { class: 'items' });
  for (const [product, quantity] of Object.entries(order.items))
    items.append(el('li', {}, el('code', { title: product, text: short(product) }), ` × ${quantity}`));
  const timeline = el('ol', { class: 'timeline' });
  for (const step of order.statusHistory) {
    const at = new Date(step.at);
    const li = el('li', { title: `${step.status} at ${at.toLocaleString()}.${String(at.getMilliseconds()).padStart(3, '0')}` }, badge(step.status));
    if (step !== order.statusHistory[0]) li.append(el('time', { datetime: step.at, text: formatDelta(at - created) }));
    timeline.append(li);
  }
  return el(
    'tr',
    { 'data-id': order.id, 'data-status': order.status },
    el('td', { 'data-label': 'Order' }, el('code', { title: order.id, text: short(order.id) }), ' ', traceLink(order.id)),
    el('td', { 'data-label': 'Created' }, el('time', { datetime: order.createdAt, title: created.toLocaleString(), text: created.toLocaleTimeString() })),
    el('td', { 'data-label': 'Items' }, items),
    el('td', { 'data-label': 'Amount', class: 'num', text: Number(order.amount).toFixed(2) }),
    el('td', { 'data-label': 'Status', class: 'status' }, badge(order.status)),
    el('td', { 'data-label': 'Timeline' }, timeline),
  );
}

// ---- an order's trace: the same view as `doms trace <id>`, from GET /orders/<id>/trace, shown under its row --------

const CHECK_MARK = { pass: '✔', fail: '✘', pending: '…', skipped: '-', warn: '!' };

/** The order's trace link: opens its JSON without script; with it, shows the trace under the row and hides it again. */
function traceLink(id) {
  const link = el('a', {
    class: 'trace-link',
    href: `/orders/${id}/trace`,
    'aria-expanded': 'false',
    title: 'Its events, Redis records and verdict',
    text: 'trace',
  });
  link.addEventListener('click', (event) => {
    event.preventDefault();
    void toggleTrace(link, id);
  });
  return link;
}

async function toggleTrace(link, id) {
  const row = link.closest('tr');
  const shown = row.nextElementSibling?.classList.contains('trace-row') ? row.nextElementSibling : null;
  if (shown) {
    shown.remove();
    link.setAttribute('aria-expanded', 'false');
    return;
  }
  const cell = el('td', { colspan: row.children.length }, el('p', { class: 'hint', text: 'Reading the trace…' }));
  row.after(el('tr', { class: 'trace-row', 'data-trace-of': id }, cell));
  link.setAttribute('aria-expanded', 'true');
  let res;
  try {
    res = await fetch(`/orders/${id}/trace`, { cache: 'no-store' });
  } catch {
    return cell.replaceChildren(el('p', { class: 'alert', text: 'The order service did not answer: is it running?' }));
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) return cell.replaceChildren(el('p', { class: 'alert', text: `No trace (HTTP ${res.status}): ${body.message ?? ''}` }));
  cell.replaceChildren(traceView(body));
}

function traceView(trace) {
  const { verdict } = trace;
  const events = el('ol', { class: 'trace-events' });
  for (const e of trace.events)
    events.append(
      el(
        'li',
        { class: `trace-${e.kind}`, title: e.note ?? '' },
        el('code', { text: e.topic }),
        ` [${e.partition}] @${e.offset} `,
        el('time', { datetime: e.timestamp, text: formatDelta(e.sincePreviousMs) }),
        ` ${e.summary}${e.kind === 'absorbed' ? ' — absorbed' : e.kind === 'invalid' ? ' — invalid' : ''}`,
      ),
    );
  const checks = el('ul', { class: 'trace-checks' });
  for (const c of verdict.checks) checks.append(el('li', { class: `check-${c.status}`, text: `${CHECK_MARK[c.status] ?? ''} ${c.name}: ${c.detail}` }));
  return el(
    'div',
    { class: 'trace' },
    el('p', {
      class: `verdict verdict-${verdict.state.replace(' ', '-')}`,
      text: `Verdict: ${verdict.state}${verdict.outcome ? ` (${verdict.outcome})` : ''}`,
    }),
    events,
    checks,
    verdict.missing.length ? el('p', { class: 'alert', text: `Missing: ${verdict.missing.join('; ')}` }) : '',
    el('a', { href: `/orders/${trace.orderId}/trace`, text: 'as JSON (doms trace --json)' }),
  );
}

function renderOrders() {
  $('orders-body').replaceChildren(...[...state.orders.values()].map(orderRow));
  $('orders-empty').hidden = state.orders.size > 0;
  $('orders-user').textContent = state.userId;
  const pages = Math.max(1, state.totalPages);
  $('page-info').textContent = `page ${state.page + 1} of ${pages} · ${state.totalElements} order${state.totalElements === 1 ? '' : 's'}`;
  $('newer').disabled = state.page === 0;
  $('older').disabled = state.page >= pages - 1;
  showLive();
}

/** An order as the service now has it: its row is redrawn (and flashes when the status moved). */
function updateOrder(order) {
  const before = state.orders.get(order.id);
  if (!before) return;
  if (before.status === order.status && before.statusHistory.length === order.statusHistory.length) return;
  state.orders.set(order.id, order);
  const row = orderRow(order);
  if (before.status !== order.status) row.classList.add('changed');
  $('orders-body').querySelector(`tr[data-id="${order.id}"]`)?.replaceWith(row);
  showLive();
}

/** A new order on the first page: on top, the oldest shown one drops off. */
function addOrder(order) {
  if (state.orders.has(order.id)) return updateOrder(order);
  state.orders = new Map([[order.id, order], ...state.orders]);
  state.totalElements++;
  state.totalPages = Math.ceil(state.totalElements / PAGE_SIZE);
  while (state.orders.size > PAGE_SIZE) state.orders.delete([...state.orders.keys()].at(-1));
  renderOrders();
  $('orders-body').firstElementChild?.classList.add('changed');
  watch(order.id, true);
}

async function showUser(userId, page) {
  state.userId = userId;
  state.page = page;
  const generation = ++state.generation;
  stopWatching();
  $('orders-error').hidden = true;
  $('orders-user').textContent = userId;
  if (UUID.test(userId)) history.replaceState(null, '', `#user=${userId}`);
  let res;
  let body;
  try {
    res = await fetch(`/orders?userId=${encodeURIComponent(userId)}&page=${page}&size=${PAGE_SIZE}`, { cache: 'no-store' });
    body = await bodyOf(res);
  } catch {
    if (generation === state.generation) showOrdersError('The order service did not answer: is it running? Try Refresh.');
    return;
  }
  if (generation !== state.generation) return;
  if (!res.ok) {
    state.orders = new Map();
    state.totalElements = 0;
    state.totalPages = 0;
    renderOrders();
    showOrdersError(`The orders could not be listed (HTTP ${res.status}): ${body.message ?? ''}`);
    if (body.field === 'userId') {
      $('userId-error').textContent = body.message.replace(/^userId: /, '');
      $('userId-error').hidden = false;
      $('userId').setAttribute('aria-invalid', 'true');
    }
    return;
  }
  if ($('userId').value.trim() === userId) {
    $('userId-error').hidden = true;
    $('userId').removeAttribute('aria-invalid');
  }
  state.orders = new Map(body.content.map((o) => [o.id, o]));
  state.totalElements = body.totalElements;
  state.totalPages = body.totalPages;
  renderOrders();
  for (const order of state.orders.values()) watch(order.id);
}

function showOrdersError(text) {
  $('orders-error').textContent = text;
  $('orders-error').hidden = false;
}

// ---- live updates -----------------------------------------------------------------------------------------------

const watcher = {
  /** Orders waiting for a long-poll slot, the next first. */
  queue: [],
  /** Orders with a long-poll under way → its AbortController. */
  active: new Map(),
  /** Failed long-polls in a row: the next one waits longer. */
  failures: 0,
};

/** Keeps `id` up to date until it is terminal: a long-poll now, or when a slot frees (`first`: before the others). */
function watch(id, first = false) {
  const order = state.orders.get(id);
  if (!order || TERMINAL.has(order.status) || watcher.active.has(id) || watcher.queue.includes(id)) return;
  if (first) watcher.queue.unshift(id);
  else watcher.queue.push(id);
  pump();
}

function pump() {
  while (watcher.active.size < MAX_POLLS && watcher.queue.length > 0) void poll(watcher.queue.shift());
  showLive();
}

function stopWatching() {
  for (const controller of watcher.active.values()) controller.abort();
  watcher.active.clear();
  watcher.queue = [];
  watcher.failures = 0;
}

/** One long-poll of one order; then the order goes to the back of the queue (round robin) unless it is terminal. */
async function poll(id) {
  const generation = state.generation;
  const controller = new AbortController();
  watcher.active.set(id, controller);
  const known = state.orders.get(id)?.status;
  const wait = watcher.queue.length > 0 ? SHORT_WAIT : LONG_WAIT;
  const started = Date.now();
  let again = 0;
  let keep = true;
  try {
    const res = await fetch(`/orders/${id}?wait=${wait}&status=${known}`, { signal: controller.signal, cache: 'no-store' });
    const body = await bodyOf(res);
    if (res.ok) {
      watcher.failures = 0;
      if (generation === state.generation) updateOrder(body);
      // An answer at once with no news (a server that holds no more waits) must not become a busy loop.
      if (body.status === known && Date.now() - started < 1000) again = 1000;
    } else if (res.status === 404 || res.status === 400) {
      // Gone (the demo's database started anew) or not ours to ask about: stop watching it.
      keep = false;
    } else {
      again = backoff();
    }
  } catch {
    if (controller.signal.aborted) keep = false;
    else again = backoff();
  }
  if (watcher.active.get(id) === controller) watcher.active.delete(id);
  if (keep && generation === state.generation) {
    if (again > 0) setTimeout(() => watch(id), again);
    else watch(id);
  }
  pump();
}

function backoff() {
  watcher.failures++;
  return Math.min(15_000, 1000 * 2 ** (watcher.failures - 1));
}

function showLive() {
  const open = [...state.orders.values()].filter((o) => !TERMINAL.has(o.status)).length;
  const live = $('live');
  live.classList.toggle('on', open > 0 && watcher.failures === 0);
  if (watcher.failures > 0 && open > 0) live.textContent = 'the order service does not answer; retrying…';
  else if (open > 0) live.textContent = `live: ${open} order${open === 1 ? '' : 's'} under way`;
  else live.textContent = state.orders.size > 0 ? 'every shown order is settled' : '';
}

// ---- start ------------------------------------------------------------------------------------------------------

/** Product ids of recent orders (of anyone): offered in the product fields, since those have stock in a running demo. */
async function knownProducts() {
  try {
    const res = await fetch('/orders?page=0&size=20', { cache: 'no-store' });
    if (!res.ok) return [];
    const page = await res.json();
    return [...new Set(page.content.flatMap((o) => Object.keys(o.items)))].slice(0, 20);
  } catch {
    return [];
  }
}

function start() {
  const fromHash = /^#user=(.+)$/.exec(location.hash)?.[1];
  const userId = fromHash && UUID.test(fromHash) ? fromHash : randomUuid();
  $('userId').value = userId;
  addItemRow(randomUuid(), '1');
  addItemRow(randomUuid(), '1');

  $('order-form').addEventListener('submit', (event) => void placeOrder(event));
  $('add-item').addEventListener('click', () => addItemRow().querySelector('.product').focus());
  $('new-user').addEventListener('click', () => {
    $('userId').value = randomUuid();
    void showUser($('userId').value, 0);
  });
  $('new-key').addEventListener('click', () => {
    $('idempotencyKey').value = randomUuid();
  });
  $('userId').addEventListener('change', () => void showUser($('userId').value.trim(), 0));
  $('refresh').addEventListener('click', () => void showUser(state.userId, state.page));
  $('newer').addEventListener('click', () => void showUser(state.userId, Math.max(0, state.page - 1)));
  $('older').addEventListener('click', () => void showUser(state.userId, state.page + 1));

  void showUser(userId, 0);
  void knownProducts().then((ids) => {
    $('known-products').replaceChildren(...ids.map((id) => el('option', { value: id })));
    // Fresh rows only: never overwrite what someone typed.
    const rows = itemRows();
    if (ids.length > 0 && rows.length === 2 && rows.every((r) => !r.dataset.touched)) {
      rows.forEach((row, i) => {
        if (ids[i]) row.querySelector('.product').value = ids[i];
      });
    }
  });
  $('item-rows').addEventListener('input', (event) => {
    const row = event.target.closest('.item-row');
    if (row) row.dataset.touched = 'true';
  });
}

start();
