// The agent console: log in, join a campaign, say available or paused, receive the
// screen-pop over the WebSocket, record the outcome, after-call work, available again.
// No build step, no dependencies. Every value from the server is set as text, never as
// HTML. The socket reconnects by itself; the server then sends the state and the call
// on screen again, so a reload or a network blip restores the call.
"use strict";

const $ = (id) => document.getElementById(id);
const CODES = {
  customer_busy: "Pelanggan SIBUK — telepon kembali",
  already_paid: "SUDAH LUNAS",
  do_not_call: "TIDAK MAU DI CALL",
  not_subscriber: "TIDAK MERASA PASANG",
  claims_cancelled: "SUDAH MERASA CABUT",
  wants_cancellation: "MINTA CABUT",
  wrong_number: "SALAH SAMBUNG",
  has_problem: "Ada KENDALA",
  pays_via_bukalapak: "Bayar via Bukalapak (voucher)",
  pays_other_channel: "Bayar via moda bayar lain",
};
const CHANNELS = ["autodebit", "myindihome", "linkaja", "e-commerce", "indomaret", "alfamart",
  "bank", "post office", "plasa telkom", "other"];
const STATES = { offline: "Offline", available: "Siap", paused: "Istirahat",
  on_call: "Dalam panggilan", wrap_up: "Wrap-up" };
const OFFSETS = { WIB: "+07:00", WITA: "+08:00", WIT: "+09:00" };
const VOUCHER_STEPS = ["voucher_available", "accepted_bukalapak"];

let me = null;
let ws = null;
let stopped = false;
let retry = 0;
let pinger = null;
let call = null;
let skew = 0; // server clock minus this browser's, from the last pop
let guides = [];
const timers = { wrapup: null, voucher: null };

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function rupiah(n) {
  return n === null || n === undefined ? "—" : "Rp " + Number(n).toLocaleString("id-ID");
}

const MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
  "September", "Oktober", "November", "Desember"];
function tanggal(iso) {
  if (!iso) return "—";
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

async function api(path, options = {}) {
  const init = { credentials: "same-origin", headers: {}, ...options };
  if (init.body && typeof init.body !== "string") {
    init.body = JSON.stringify(init.body);
    init.headers["Content-Type"] = "application/json";
  }
  const resp = await fetch(path, init);
  const body = await resp.json().catch(() => null);
  if (!resp.ok) {
    const err = new Error((body && body.error && body.error.message) || `HTTP ${resp.status}`);
    err.status = resp.status;
    err.details = body && body.error ? body.error.details : null;
    throw err;
  }
  return body;
}

function show(view) {
  $("login-view").hidden = view !== "login";
  $("console-view").hidden = view !== "console";
  $("whoami").hidden = view !== "console";
}

async function boot() {
  try {
    me = await api("/api/auth/me");
  } catch (err) {
    show("login");
    return;
  }
  if (me.role !== "agent") {
    show("login");
    $("login-error").textContent = "Halaman ini untuk agen. Akun " + me.username + " adalah manajer.";
    return;
  }
  $("agent-name").textContent = me.display_name || me.username;
  show("console");
  stopped = false;
  await Promise.all([loadCampaigns(), loadGuides()]);
  connect();
}

async function loadCampaigns() {
  const { campaigns } = await api("/api/agent/campaigns");
  const select = $("campaign");
  select.replaceChildren();
  for (const c of campaigns) {
    const option = el("option", `${c.title || c.name} (${c.state})`);
    option.value = c.name;
    select.append(option);
  }
}

async function loadGuides() {
  guides = (await api("/api/agent/guides")).guides;
}

// ---------------------------------------------------------------- the socket

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${scheme}://${location.host}/api/agent/ws`);
  ws.onopen = () => {
    retry = 0;
    setConn(true);
    pinger = setInterval(() => send({ type: "ping" }), 15000);
  };
  ws.onmessage = (event) => receive(JSON.parse(event.data));
  ws.onclose = () => {
    setConn(false);
    clearInterval(pinger);
    if (stopped) return;
    const wait = Math.min(1000 * 2 ** retry, 10000);
    retry += 1;
    setTimeout(connect, wait);
  };
}

function setConn(on) {
  const badge = $("conn");
  badge.textContent = on ? "terhubung" : "terputus — menyambung ulang…";
  badge.className = "badge " + (on ? "on" : "off");
}

function send(message) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

function receive(message) {
  if (message.type === "state") renderState(message);
  else if (message.type === "pop") renderPop(message);
  else if (message.type === "error") $("console-error").textContent = message.message;
}

// ------------------------------------------------------------------ the state

function renderState(s) {
  $("console-error").textContent = "";
  $("state").textContent = STATES[s.state] || s.state;
  document.body.dataset.state = s.state;
  if (s.campaign) $("campaign").value = s.campaign;
  clearInterval(timers.wrapup);
  $("wrapup").hidden = s.state !== "wrap_up";
  if (s.state === "wrap_up" && s.wrap_up_until) {
    const until = Date.parse(s.wrap_up_until);
    const tick = () => {
      const left = Math.max(0, Math.ceil((until - (Date.now() + skew)) / 1000));
      $("wrapup-left").textContent = left;
    };
    tick();
    timers.wrapup = setInterval(tick, 250);
  }
  if (!s.attempt_id) clearCall();
}

function clearCall() {
  call = null;
  $("call").hidden = true;
  $("idle").hidden = false;
  clearTimeout(timers.voucher);
}

// -------------------------------------------------------------------- the pop

function renderPop(pop) {
  skew = Date.parse(pop.now) - Date.now();
  const fresh = !call || call.attempt_id !== pop.attempt_id;
  call = pop;
  $("idle").hidden = true;
  $("call").hidden = false;
  document.body.dataset.attempt = pop.attempt_id;
  renderAlerts(pop);
  renderCustomer(pop);
  renderBill(pop);
  renderSteps(pop);
  renderVoucher(pop);
  if (fresh) resetForm(pop);
  renderTransfers(pop);
}

function renderTransfers(pop) {
  const box = $("transfer-box");
  box.hidden = !pop.transfers.length || pop.call.state !== "in-progress";
  const select = $("transfer-to");
  const chosen = select.value;
  select.replaceChildren(...pop.transfers.map((t) => {
    const o = el("option", `${t.label} — ${t.category}`);
    o.value = t.key;
    return o;
  }));
  if (chosen) select.value = chosen;
}

async function transferCall() {
  $("transfer-error").textContent = "";
  $("transfer").disabled = true;
  try {
    const { transfer } = await api("/api/agent/transfer", { method: "POST", body: {
      attempt_id: call.attempt_id, destination: $("transfer-to").value, notes: $("transfer-notes").value } });
    for (const input of $("outcome-form").elements) input.disabled = true;
    $("transfer-box").hidden = true;
    $("outcome-done").hidden = false;
    $("outcome-done").textContent = `Panggilan ditransfer ke ${transfer.number} (${transfer.category}).`;
  } catch (err) {
    $("transfer-error").textContent = err.message;
  } finally {
    $("transfer").disabled = false;
  }
}

function renderAlerts(pop) {
  $("alerts").replaceChildren(...pop.alerts.map((a) => el("p", a)));
}

function pairs(target, rows) {
  target.replaceChildren();
  for (const [label, value] of rows) {
    target.append(el("dt", label), el("dd", value === null || value === "" ? "—" : value));
  }
}

function renderCustomer(pop) {
  const c = pop.customer;
  const local = pop.local_time ? pop.local_time.slice(11, 16) + " " + c.zone : c.zone;
  pairs($("customer"), [
    ["Nama", c.name],
    ["No IndiHome", c.indihome_number],
    ["MSISDN", c.msisdn],
    ["Nomor WA", c.wa_number],
    ["Tier", c.tier],
    ["Alamat", c.address],
    ["Provinsi", c.province],
    ["Waktu pelanggan", local + " (Selamat " + pop.greeting + ")"],
    ["Percobaan ke", pop.history.attempts + 1],
  ]);
}

function renderBill(pop) {
  const b = pop.bill;
  const p = pop.penalty;
  pairs($("bill"), [
    ["Bulan tagihan", b.month_text],
    ["Jumlah", b.text],
    ["Status", b.paid ? "SUDAH DIBAYAR (" + (b.payment.channel || "") + ")" : "Belum dibayar"],
    ["Jatuh tempo", tanggal(p.due)],
    ["Denda jika bayar hari ini", p.penalty === null ? p.rule : rupiah(p.penalty)],
    ["Total jika bayar hari ini", rupiah(p.to_pay)],
    ["Gratis minipack hari ini", p.minipack ? "Ya" : "Tidak"],
    ["Channel 3 bulan terakhir", b.channels.join(", ")],
  ]);
  const body = $("schedule").querySelector("tbody");
  body.replaceChildren();
  for (const line of p.schedule) {
    const tr = el("tr");
    const today = p.today >= line.from && (line.to === null || p.today <= line.to);
    if (today) tr.className = "today";
    const dates = line.to ? `${tanggal(line.from)} – ${tanggal(line.to)}` : `mulai ${tanggal(line.from)}`;
    tr.append(el("td", dates), el("td", line.penalty ? rupiah(line.penalty) : "tanpa denda"));
    body.append(tr);
  }
  const sources = { list: "daftar target", "list+payments": "daftar target + pembayaran",
    billing_api: "API billing" };
  const asOf = b.as_of ? " per " + new Date(b.as_of).toLocaleString("id-ID") : "";
  $("bill-source").textContent = "Sumber: " + (sources[b.source] || b.source) + asOf +
    (b.notes.length ? " — " + b.notes.join("; ") : "");
}

function renderSteps(pop) {
  $("script-title").textContent = pop.script.title;
  const list = $("steps");
  list.replaceChildren();
  for (const step of pop.script.steps) {
    const li = el("li");
    li.id = "step-" + step.key;
    li.dataset.key = step.key;
    li.dataset.shownWhen = step.shown_when;
    li.hidden = !step.shown;
    li.value = step.number;
    li.append(el("strong", step.title));
    li.append(el("div", step.agent, "say"));
    if (step.notes.length) li.append(el("div", step.notes.join("\n"), "notes"));
    if (step.branches.length) {
      const box = el("div", null, "branches");
      for (const branch of step.branches) {
        const button = el("button", branch.when);
        button.type = "button";
        button.onclick = () => takeBranch(branch);
        box.append(button);
      }
      li.append(box);
    }
    list.append(li);
  }
}

function takeBranch(branch) {
  if (branch.outcome) {
    $("code").value = branch.outcome;
    renderDetails();
  }
  const target = branch.then.startsWith("step:") ? $("step-" + branch.then.slice(5)) : null;
  if (target) target.scrollIntoView({ behavior: "smooth" });
  if (branch.then === "end" || branch.then === "caring") $("outcome-card").scrollIntoView();
}

function renderVoucher(pop) {
  const v = pop.voucher;
  const badge = $("voucher-badge");
  badge.textContent = v.available
    ? `Voucher ${v.partner}: sisa ${v.left} dari ${v.quota}`
    : `Voucher ${v.partner}: tidak ditawarkan (${v.reason === "expired" ? "kedaluwarsa" : "kuota habis"})`;
  badge.className = "badge " + (v.available ? "on" : "off");
  clearTimeout(timers.voucher);
  if (v.available) {
    // Hidden at the expiry instant, by the server's clock, without waiting for news.
    const wait = Date.parse(v.expires_at) - (Date.now() + skew);
    if (wait < 2 ** 31) timers.voucher = setTimeout(() => hideVoucher("kedaluwarsa"), Math.max(0, wait));
  }
}

function hideVoucher(reason) {
  for (const li of $("steps").children) {
    if (VOUCHER_STEPS.includes(li.dataset.shownWhen)) li.hidden = true;
  }
  const badge = $("voucher-badge");
  badge.textContent = "Voucher: tidak ditawarkan (" + reason + ")";
  badge.className = "badge off";
}

// ---------------------------------------------------------------- the outcome

function resetForm(pop) {
  const form = $("outcome-form");
  form.reset();
  form.hidden = false;
  for (const input of form.elements) input.disabled = false;
  $("outcome-done").hidden = true;
  $("outcome-error").textContent = "";
  $("outcome-problems").replaceChildren();
  $("wa").value = pop.customer.wa_number || pop.customer.msisdn;
  $("new-address-label").hidden = true;
  renderDetails();
}

function field(label, input) {
  const wrap = el("label", label + " ");
  wrap.append(input);
  return wrap;
}

function select(name, options) {
  const s = el("select");
  s.name = name;
  s.append(el("option", "—"));
  s.firstChild.value = "";
  for (const [value, label] of options) {
    const o = el("option", label);
    o.value = value;
    s.append(o);
  }
  return s;
}

const YES_NO = [["true", "Ya"], ["false", "Tidak"]];

function renderDetails() {
  const box = $("details");
  box.replaceChildren();
  const code = $("code").value;
  if (code === "customer_busy") {
    const input = el("input");
    input.type = "datetime-local";
    input.name = "callback_at";
    box.append(field(`Telepon kembali pada (waktu pelanggan, ${call.customer.zone})`, input));
  } else if (code === "claims_cancelled") {
    box.append(field("Tunggakan sudah lunas?", select("arrears_paid", YES_NO)));
    box.append(field("Modem (CPE) sudah dikembalikan?", select("modem_returned", YES_NO)));
  } else if (code === "wants_cancellation") {
    const s = select("cancellation", [["retained", "Berhasil dipertahankan"], ["closure_request", "Pengajuan cabut"]]);
    box.append(field("Hasil caring", s));
    const closure = el("div");
    s.onchange = () => {
      closure.replaceChildren();
      if (s.value === "closure_request") {
        closure.append(field("Tunggakan sudah diselesaikan?", select("arrears_settled", YES_NO)));
        closure.append(field("Modem sudah dikembalikan?", select("modem_returned", YES_NO)));
      }
    };
    box.append(closure);
  } else if (code === "wrong_number") {
    box.append(el("div", "Sudah dipastikan:"));
    for (const [value, label] of [["msisdn", "Nomor MSISDN"], ["owner_name", "Nama kepemilikan"], ["address", "Alamat"]]) {
      const c = el("input");
      c.type = "checkbox";
      c.name = "verified";
      c.value = value;
      c.style.width = "auto";
      const l = el("label");
      l.append(c, document.createTextNode(" " + label));
      box.append(l);
    }
  } else if (code === "has_problem") {
    renderTicket(box);
  } else if (code === "pays_other_channel") {
    box.append(field("Moda bayar", select("channel", CHANNELS.map((c) => [c, c]))));
  } else if (code === "pays_via_bukalapak") {
    const note = call.voucher.available
      ? "Pastikan nomor WA di bawah; kode voucher dikirim ke nomor itu setelah panggilan."
      : "Voucher TIDAK tersedia (" + (call.voucher.reason === "expired" ? "kedaluwarsa" : "kuota habis") + "): hasil tetap dicatat tanpa voucher.";
    box.append(el("p", note, call.voucher.available ? "muted" : "error"));
  }
}

function renderTicket(box) {
  const kind = select("ticket_kind", [["existing", "Sudah ada tiket"], ["new", "Buat tiket baru"]]);
  box.append(field("Tiket", kind));
  const more = el("div");
  box.append(more);
  kind.onchange = () => {
    more.replaceChildren();
    if (kind.value === "existing") {
      const input = el("input");
      input.name = "ticket_existing";
      more.append(field("Nomor tiket", input));
    } else if (kind.value === "new") {
      const guide = select("ticket_guide", guides.map((g) => [g.name, g.title]));
      more.append(field("PanSol", guide));
      const fields = el("div");
      more.append(fields);
      guide.onchange = () => {
        fields.replaceChildren();
        const found = guides.find((g) => g.name === guide.value);
        if (!found) return;
        for (const f of found.mandatory_fields) {
          const input = f.choices ? select("tf_" + f.key, f.choices.map((c) => [c, c])) : el("input");
          input.name = "tf_" + f.key;
          input.required = f.required;
          fields.append(field(f.label, input));
        }
      };
    }
  };
}

function formBody() {
  const form = $("outcome-form");
  const data = new FormData(form);
  const body = { attempt_id: call.attempt_id, code: data.get("code"), hub_penerima: data.get("hub_penerima"),
    notes: data.get("notes") || "" };
  for (const name of ["address_valid", "service_working", "arrears_paid", "modem_returned", "arrears_settled"]) {
    const v = data.get(name);
    if (v === "true" || v === "false") body[name] = v === "true";
  }
  for (const name of ["new_address", "wa_number", "myindihome", "cancellation", "channel"]) {
    const v = data.get(name);
    if (v) body[name] = v;
  }
  if (data.get("callback_at")) body.callback_at = data.get("callback_at") + ":00" + OFFSETS[call.customer.zone];
  const verified = data.getAll("verified");
  if (body.code === "wrong_number") body.verified = verified;
  if (body.code === "has_problem") {
    if (data.get("ticket_kind") === "existing") body.ticket = { existing: data.get("ticket_existing") };
    else if (data.get("ticket_kind") === "new") {
      const fields = {};
      for (const [k, v] of data.entries()) if (k.startsWith("tf_") && v) fields[k.slice(3)] = v;
      body.ticket = { new: { guide: data.get("ticket_guide"), fields } };
    }
  }
  return body;
}

async function submitOutcome(event) {
  event.preventDefault();
  $("outcome-error").textContent = "";
  $("outcome-problems").replaceChildren();
  const button = $("submit-outcome");
  button.disabled = true;
  try {
    const result = await api("/api/agent/outcome", { method: "POST", body: formBody() });
    const form = $("outcome-form");
    for (const input of form.elements) input.disabled = true;
    $("outcome-done").hidden = false;
    let voucher = "";
    if (result.voucher) {
      voucher = result.voucher.issued
        ? ` Voucher ${result.voucher.voucher.code} diterbitkan untuk WA ${result.voucher.voucher.wa_number}.`
        : " " + result.voucher.message;
    }
    $("outcome-done").textContent = "Hasil tersimpan: " + (CODES[result.outcome.code] || result.outcome.code) +
      "." + voucher + " Wrap-up berjalan, lalu Anda siap lagi.";
  } catch (err) {
    button.disabled = false;
    $("outcome-error").textContent = err.message;
    for (const d of err.details || []) {
      $("outcome-problems").append(el("li", (d.field ? d.field + ": " : "") + d.reason));
    }
  }
}

// --------------------------------------------------------------------- wiring

function wire() {
  const code = $("code");
  for (const [value, label] of Object.entries(CODES)) {
    const o = el("option", label);
    o.value = value;
    code.append(o);
  }
  code.onchange = renderDetails;
  $("outcome-form").addEventListener("submit", submitOutcome);
  $("outcome-form").elements.address_valid.onchange = (e) => {
    $("new-address-label").hidden = e.target.value !== "false";
  };
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    $("login-error").textContent = "";
    try {
      await api("/api/auth/login", { method: "POST",
        body: { username: data.get("username"), password: data.get("password") } });
      await boot();
    } catch (err) {
      $("login-error").textContent = err.message;
    }
  });
  $("transfer").onclick = transferCall;
  $("join").onclick = () => send({ type: "join", campaign: $("campaign").value });
  $("available").onclick = () => send({ type: "state", state: "available" });
  $("paused").onclick = () => send({ type: "state", state: "paused" });
  $("logout").onclick = async () => {
    stopped = true;
    send({ type: "state", state: "offline" });
    await api("/api/auth/logout", { method: "POST" }).catch(() => null);
    if (ws) ws.close();
    clearCall();
    show("login");
  };
}

wire();
boot();
