// The agent console: log in, join a campaign, say available or paused, receive the
// screen-pop over the WebSocket, record the outcome, after-call work, available again.
// No build step, no dependencies. Every value from the server is set as text, never as
// HTML. The socket reconnects by itself; the server then sends the state and the call
// on screen again, so a reload or a network blip restores the call.
"use strict";

// The console's words: Indonesian, or English (DIALER_UI__LANGUAGE, or ?lang=en). The
// call script itself is what the agent says to the customer: always Indonesian.
const LANG = {
  id: {
    title: "Konsol Agen", logout: "Keluar", login: "Masuk", username: "Nama pengguna",
    password: "Kata sandi", campaign: "Kampanye", join: "Gabung", status: "Status",
    no_campaign: "Belum ada kampanye yang ditugaskan kepada Anda: hubungi manajer Anda.",
    seconds: "dtk", go_available: "Siap menerima panggilan", go_paused: "Istirahat",
    idle: "Belum ada panggilan. Pilih kampanye, tekan “Gabung”, lalu “Siap menerima panggilan”.",
    sound_on: "Suara: nyala", sound_off: "Suara: mati", new_call: "Panggilan baru",
    to_outcome: "Ke hasil panggilan (H)",
    shortcut_hint: "Pintasan: tombol 1–9 dan 0 memilih hasil, H ke kolom hasil.",
    fix_fields: "Periksa kolom yang ditandai.",
    pause_reason: "Alasan istirahat", pause_after: "Istirahat setelah panggilan ini",
    paused_for: (label) => `Istirahat (${label})`, then_pause: (label) => ` — lalu istirahat (${label})`,
    customer: "Pelanggan", bill: "Tagihan", paid_on: "Tanggal bayar", penalty: "Denda",
    script: "Skrip", outcome: "Hasil panggilan", result: "Hasil", choose: "— pilih —",
    address_valid: "Alamat masih valid?", yes: "Ya", no: "Tidak", new_address: "Alamat baru",
    service_working: "Layanan berfungsi?", wa_number: "Nomor WA", mih_installed: "Sudah terpasang",
    mih_guided: "Dipandu instal", mih_web: "Diarahkan ke web", mih_declined: "Tidak berkenan",
    notes: "Catatan", save: "Simpan hasil", transfer_call: "Transfer panggilan",
    destination: "Tujuan", transfer: "Transfer",
    for_agents: (user) => `Halaman ini untuk agen. Akun ${user} adalah manajer.`,
    connected: "terhubung", reconnecting: "terputus — menyambung ulang…",
    name: "Nama", indihome: "No IndiHome", tier: "Tier", address: "Alamat", province: "Provinsi",
    local_time: "Waktu pelanggan", greeting: (g) => `Selamat ${g}`, attempt: "Percobaan ke",
    bill_month: "Bulan tagihan", amount: "Jumlah", paid: (channel) => `SUDAH DIBAYAR (${channel})`,
    unpaid: "Belum dibayar", due: "Jatuh tempo", penalty_today: "Denda jika bayar hari ini",
    total_today: "Total jika bayar hari ini", minipack_today: "Gratis minipack hari ini",
    channels: "Channel 3 bulan terakhir", from: (d) => `mulai ${d}`, no_penalty: "tanpa denda",
    sources: { list: "daftar target", "list+payments": "daftar target + pembayaran", billing_api: "API billing" },
    source: "Sumber: ", as_of: " per ",
    voucher_left: (v) => `Voucher ${v.partner}: sisa ${v.left} dari ${v.quota}`,
    voucher_off: (partner, reason) => `Voucher${partner ? " " + partner : ""}: tidak ditawarkan (${reason})`,
    expired: "kedaluwarsa", used_up: "kuota habis",
    transferred: (x) => `Panggilan ditransfer ke ${x.number} (${x.category}).${x.log_text ? " Catatan: " + x.log_text : ""}`,
    callback_at: (zone) => `Telepon kembali pada (waktu pelanggan, ${zone})`,
    arrears_paid: "Tunggakan sudah lunas?", modem_returned: "Modem (CPE) sudah dikembalikan?",
    retained: "Berhasil dipertahankan", closure_request: "Pengajuan cabut", caring: "Hasil caring",
    arrears_settled: "Tunggakan sudah diselesaikan?", modem_back: "Modem sudah dikembalikan?",
    verified: "Sudah dipastikan:", v_msisdn: "Nomor MSISDN", v_owner: "Nama kepemilikan", v_address: "Alamat",
    pay_channel: "Moda bayar",
    confirm_wa: "Pastikan nomor WA di bawah; kode voucher dikirim ke nomor itu setelah panggilan.",
    no_voucher: (reason) => `Voucher TIDAK tersedia (${reason}): hasil tetap dicatat tanpa voucher.`,
    ticket: "Tiket", ticket_existing: "Sudah ada tiket", ticket_new: "Buat tiket baru",
    ticket_number: "Nomor tiket", guide: "PanSol", actions: "Tindakan selama panggilan",
    add_ticket: "+ Tiket", remove_ticket: "Hapus tiket ini",
    resume: (title) => `Lanjutkan skrip: ${title}`,
    required_when: (label, values) => ` (wajib jika ${label}: ${values.join(" / ")})`,
    voucher_issued: (v) => ` Voucher ${v.code} diterbitkan untuk WA ${v.wa_number}.`,
    saved: (code, voucher) => `Hasil tersimpan: ${code}.${voucher} Wrap-up berjalan.`,
    states: { offline: "Offline", available: "Siap", paused: "Istirahat",
      on_call: "Dalam panggilan", wrap_up: "Wrap-up" },
    phone: "Telepon", phone_connect: "Sambungkan telepon", phone_hangup: "Putuskan telepon",
    phone_none: "belum tersambung",
    phone_states: { connecting: "menyambungkan…", connected: "tersambung", dropped: "terputus" },
    phone_simulated: " (simulasi)",
    call_connecting: "Menyambungkan pelanggan…", call_talking: (d) => `Berbicara ${d}`,
    transfer_warm: "Bicara dulu dengan tujuan (transfer hangat)", transfer_complete: "Serahkan ke tujuan",
    transfer_cancel: "Batalkan transfer",
    transfer_consult: (x) => `Berbicara dengan ${x.number}; pelanggan ditahan. Serahkan atau batalkan.`,
    call_left: "Pelanggan menutup telepon.", call_held: "Pelanggan ditahan (mendengar pesan tunggu).",
    call_hold: "Tahan", call_resume: "Lanjutkan", call_mute: "Bisukan mikrofon",
    call_unmute: "Nyalakan mikrofon", call_hangup: "Tutup panggilan", muted: " — mikrofon mati",
    transfer_dialling: (x) => `Menghubungi ${x.number} untuk transfer…`,
    transfer_failed: (x) => `Transfer ke ${x.number} gagal (${x.error}); pelanggan kembali tersambung dengan Anda.`,
    transfer_category: "Kategori masalah", transfer_address: "Sapaan", transfer_say: "Sampaikan",
    transfer_consent: "Jawaban pelanggan (transfer hanya setelah pelanggan menjawab)",
    transfer_log: (l) => `Catatan: ${l.complaint_type} / ${l.complaint_subtype} — ${l.text}`,
    informed: "Informasi sudah disampaikan",
    informed_done: (x) => `Tercatat tanpa transfer: ${x.log_text}`,
    campaign_states: { draft: "draf", running: "berjalan", paused: "dijeda", finished: "selesai" },
    conn_title: "Koneksi ke server", disconnected: "terputus",
  },
  en: {
    title: "Agent console", logout: "Log out", login: "Log in", username: "Username",
    password: "Password", campaign: "Campaign", join: "Join", status: "State",
    no_campaign: "No campaign is assigned to you yet: ask your manager.",
    seconds: "s", go_available: "Ready for calls", go_paused: "Take a break",
    idle: "No call yet. Choose a campaign, press “Join”, then “Ready for calls”.",
    sound_on: "Sound: on", sound_off: "Sound: off", new_call: "New call",
    to_outcome: "To the call outcome (H)",
    shortcut_hint: "Shortcuts: keys 1–9 and 0 choose the outcome, H goes to the outcome.",
    fix_fields: "Check the marked fields.",
    pause_reason: "Reason for the break", pause_after: "Take a break after this call",
    paused_for: (label) => `On a break (${label})`, then_pause: (label) => ` — then a break (${label})`,
    customer: "Customer", bill: "Bill", paid_on: "Paid on", penalty: "Penalty",
    script: "Script", outcome: "Call outcome", result: "Outcome", choose: "— choose —",
    address_valid: "Address still valid?", yes: "Yes", no: "No", new_address: "New address",
    service_working: "Service working?", wa_number: "WhatsApp number", mih_installed: "Installed",
    mih_guided: "Guided to install", mih_web: "Sent to the web page", mih_declined: "Declined",
    notes: "Notes", save: "Save outcome", transfer_call: "Transfer the call",
    destination: "To", transfer: "Transfer",
    for_agents: (user) => `This page is for agents. ${user} is a manager.`,
    connected: "connected", reconnecting: "disconnected — reconnecting…",
    name: "Name", indihome: "IndiHome number", tier: "Tier", address: "Address", province: "Province",
    local_time: "Customer's time", greeting: (g) => `Selamat ${g}`, attempt: "Attempt",
    bill_month: "Bill month", amount: "Amount", paid: (channel) => `PAID (${channel})`,
    unpaid: "Not paid", due: "Due", penalty_today: "Penalty if paid today",
    total_today: "Total if paid today", minipack_today: "Free minipack today",
    channels: "Channels of the last 3 months", from: (d) => `from ${d}`, no_penalty: "no penalty",
    sources: { list: "target list", "list+payments": "target list + payments", billing_api: "billing API" },
    source: "Source: ", as_of: " as of ",
    voucher_left: (v) => `${v.partner} voucher: ${v.left} of ${v.quota} left`,
    voucher_off: (partner, reason) => `${partner ? partner + " v" : "V"}oucher: not offered (${reason})`,
    expired: "expired", used_up: "quota used up",
    transferred: (x) => `Call transferred to ${x.number} (${x.category}).${x.log_text ? " Log: " + x.log_text : ""}`,
    callback_at: (zone) => `Call back at (customer's time, ${zone})`,
    arrears_paid: "Arrears paid?", modem_returned: "Modem (CPE) returned?",
    retained: "Retained", closure_request: "Closure request", caring: "Caring result",
    arrears_settled: "Arrears settled?", modem_back: "Modem returned?",
    verified: "Verified:", v_msisdn: "MSISDN", v_owner: "Owner's name", v_address: "Address",
    pay_channel: "Payment channel",
    confirm_wa: "Confirm the WhatsApp number below; the voucher code goes to it after the call.",
    no_voucher: (reason) => `No voucher available (${reason}): the outcome is recorded without one.`,
    ticket: "Ticket", ticket_existing: "An open ticket", ticket_new: "A new ticket",
    ticket_number: "Ticket number", guide: "Solution guide", actions: "Actions during the call",
    add_ticket: "+ Ticket", remove_ticket: "Remove this ticket",
    resume: (title) => `Go on with the script: ${title}`,
    required_when: (label, values) => ` (required when ${label}: ${values.join(" / ")})`,
    voucher_issued: (v) => ` Voucher ${v.code} issued for WhatsApp ${v.wa_number}.`,
    saved: (code, voucher) => `Outcome saved: ${code}.${voucher} Wrap-up runs.`,
    states: { offline: "Offline", available: "Ready", paused: "On a break",
      on_call: "On a call", wrap_up: "Wrap-up" },
    phone: "Phone", phone_connect: "Connect phone", phone_hangup: "Hang up phone",
    phone_none: "not connected",
    phone_states: { connecting: "connecting…", connected: "connected", dropped: "dropped" },
    phone_simulated: " (simulated)",
    call_connecting: "Connecting the customer…", call_talking: (d) => `Talking ${d}`,
    transfer_warm: "Talk to the destination first (warm transfer)", transfer_complete: "Hand over",
    transfer_cancel: "Cancel the transfer",
    transfer_consult: (x) => `Talking to ${x.number}; the customer is on hold. Hand over or cancel.`,
    call_left: "The customer hung up.", call_held: "The customer is on hold (hearing the hold message).",
    call_hold: "Hold", call_resume: "Resume", call_mute: "Mute", call_unmute: "Unmute",
    call_hangup: "Hang up", muted: " — muted",
    transfer_dialling: (x) => `Calling ${x.number} for the transfer…`,
    transfer_failed: (x) => `Transfer to ${x.number} failed (${x.error}); the customer is back with you.`,
    transfer_category: "Problem category", transfer_address: "Address the customer as",
    transfer_say: "Say", transfer_consent: "The customer's answer (transfer only after they agree)",
    transfer_log: (l) => `Log: ${l.complaint_type} / ${l.complaint_subtype} — ${l.text}`,
    informed: "Information given",
    informed_done: (x) => `Recorded, no transfer: ${x.log_text}`,
    campaign_states: { draft: "draft", running: "running", paused: "paused", finished: "finished" },
    conn_title: "Connection to the server", disconnected: "disconnected",
  },
};
function t(key, ...args) {
  const value = LANG[lang][key] ?? LANG.id[key] ?? key;
  return typeof value === "function" ? value(...args) : value;
}

function translate() {
  document.documentElement.lang = lang;
  document.title = `${t("title")} — Dialer`;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll("[data-t-title]")) node.title = t(node.dataset.tTitle);
  const code = $("code");
  const chosen = code.value;
  code.replaceChildren(code.firstElementChild);
  code.firstElementChild.textContent = t("choose");
  vocabulary.outcomes.forEach(({ code: value, label }, i) => {
    const key = SHORTCUTS[i];
    const o = el("option", key ? `${key} · ${label}` : label);
    o.value = value;
    code.append(o);
  });
  code.value = chosen;
  renderSound();
}

// The product's lists (outcome codes, payment channels …) with labels in the page's
// language, from GET /api/vocabulary: defined once, on the server.
let vocabulary = { outcomes: [], payment_channels: [] };
// The reasons for a break (DIALER_AGENTS__PAUSE_REASONS), labelled in the page's language.
let pauseReasons = [];
const labelOf = (list, code) => (list.find((item) => item.code === code) || { label: code }).label;
const OFFSETS = { WIB: "+07:00", WITA: "+08:00", WIT: "+09:00" };
const VOUCHER_STEPS = ["voucher_available", "accepted_bukalapak"];
// The keys that choose an outcome, in the form's order (shown in its options).
const SHORTCUTS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"];

let me = null;
let ws = null;
let stopped = false;
let retry = 0;
let pinger = null;
let call = null;
let skew = 0; // server clock minus this browser's, from the last pop
let guides = [];
const timers = { wrapup: null, voucher: null, talk: null };
// The agent's phone: the leg they hear customers through. "simulated" (the service plays
// the softphone: no microphone) or "twilio" (the Voice SDK in this page).
let phoneKind = "simulated";
let phone = null;
let softphone = null; // { device, call } on Twilio

// rupiah(), tanggal() and waktu() come from common.js.
const day = (iso) => tanggal(iso, lang);

function show(view) {
  $("login-view").hidden = view !== "login";
  $("console-view").hidden = view !== "console";
  $("whoami").hidden = view !== "console";
}

async function boot() {
  try {
    me = await api("/api/auth/me");
  } catch (err) {
    translate(); // in the server's language, now known
    show("login");
    return;
  }
  lang = new URLSearchParams(location.search).get("lang") || me.language || "id";
  if (!LANG[lang]) lang = "id";
  vocabulary = await api(`/api/vocabulary?lang=${lang}`);
  translate();
  if (me.role !== "agent") {
    show("login");
    $("login-error").textContent = t("for_agents", me.username);
    return;
  }
  $("agent-name").textContent = me.display_name || me.username;
  show("console");
  stopped = false;
  await Promise.all([loadCampaigns(), loadGuides(), loadPhone(), loadPauseReasons()]);
  connect();
}

// ------------------------------------------------------------------ the phone

async function loadPhone() {
  const found = await api("/api/agent/phone");
  phoneKind = found.softphone;
  renderPhone(found.phone);
}

function renderPhone(p) {
  phone = p;
  const state = p ? p.state : "none";
  let text = p ? t("phone_states")[p.state] || p.state : t("phone_none");
  if (p && p.state === "dropped" && p.reason) text += ` (${p.reason})`;
  if (p && p.endpoint !== "softphone") text += ` — ${p.address}`;
  else if (phoneKind === "simulated") text += t("phone_simulated");
  $("phone-state").textContent = text;
  document.body.dataset.phone = state;
  const up = state === "connecting" || state === "connected";
  $("phone-connect").hidden = up;
  $("phone-hangup").hidden = !up;
}

// The phone's state is shown from the socket's messages only: they come in the order
// the changes committed, where an answer to a request may arrive after a newer one.
async function connectPhone() {
  $("console-error").textContent = "";
  $("phone-connect").disabled = true;
  try {
    const found = await api("/api/agent/phone", { method: "POST", body: { endpoint: "softphone" } });
    phoneKind = found.softphone;
    if (found.token) await startSoftphone(found.token);
  } catch (err) {
    $("console-error").textContent = err.message;
  } finally {
    $("phone-connect").disabled = false;
  }
}

async function hangUpPhone() {
  if (softphone) softphone.device.disconnectAll();
  await api("/api/agent/phone", { method: "DELETE" });
}

// On Twilio: the browser's Voice SDK (served by this service) dials the TwiML App with
// a short-lived token bound to this agent; the service puts the call into the agent's
// conference. The token is renewed before it lapses.
async function startSoftphone(token) {
  await loadVoiceSdk();
  if (softphone) softphone.device.destroy();
  const device = new window.Twilio.Device(token, { closeProtection: true });
  device.on("tokenWillExpire", async () => {
    const renewed = await api("/api/agent/phone/token", { method: "POST" });
    device.updateToken(renewed.token);
  });
  const leg = await device.connect();
  leg.on("disconnect", () => loadPhone());
  softphone = { device, call: leg };
}

async function goAvailable() {
  // Nobody is handed a call without a phone: connect it first.
  if (!phone || phone.state === "dropped") await connectPhone();
  send({ type: "state", state: "available" });
}

async function loadCampaigns() {
  const { campaigns } = await api("/api/agent/campaigns");
  const select = $("campaign");
  select.replaceChildren();
  for (const c of campaigns) {
    const option = el("option", `${c.title || c.name} (${t("campaign_states")[c.state] || c.state})`);
    option.value = c.name;
    select.append(option);
  }
  // Only the running campaigns a manager assigned the agent to are listed.
  if (!campaigns.length) select.append(el("option", t("no_campaign")));
  $("join").disabled = !campaigns.length;
}

async function loadPauseReasons() {
  pauseReasons = (await api("/api/agent/pause-reasons")).reasons;
  const select = $("pause-reason");
  select.replaceChildren(...pauseReasons.map((r) => {
    const o = el("option", r.label);
    o.value = r.code;
    return o;
  }));
}

async function loadGuides() {
  guides = (await api("/api/agent/guides")).guides;
}

// ---------------------------------------------------------------- the socket

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${scheme}://${location.host}/api/agent/ws?lang=${lang}`);
  ws.onopen = () => {
    retry = 0;
    setConn(true);
    pinger = setInterval(() => send({ type: "ping" }), 15000);
  };
  ws.onmessage = (event) => receive(JSON.parse(event.data));
  ws.onclose = (event) => {
    setConn(false);
    clearInterval(pinger);
    if (event.code === 4401) { // the session ended (logged out elsewhere, revoked, disabled)
      stopped = true;
      clearCall();
      show("login");
      return;
    }
    if (stopped) return;
    const wait = Math.min(1000 * 2 ** retry, 10000);
    retry += 1;
    setTimeout(connect, wait);
  };
}

function setConn(on) {
  const badge = $("conn");
  badge.textContent = on ? t("connected") : t("reconnecting");
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
  if ("phone" in s) renderPhone(s.phone);
  const reasonLabel = (code) => labelOf(pauseReasons, code);
  let shown = t("states")[s.state] || s.state;
  if (s.state === "paused" && s.pause_reason) shown = t("paused_for", reasonLabel(s.pause_reason));
  if (s.then_pause) shown += t("then_pause", reasonLabel(s.then_pause));
  $("state").textContent = shown;
  $("pause-after").checked = !!s.then_pause;
  if (s.then_pause) $("pause-reason").value = s.then_pause;
  document.body.dataset.state = s.state;
  // Ready and a break need a campaign joined first ("Gabung"): until then they wait.
  const joined = !!s.campaign && s.state !== "offline";
  $("available").disabled = !joined;
  $("paused").disabled = !joined;
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
  if (!s.attempt_id) {
    if (call) dropDraft(call.attempt_id); // the call is gone: so is what was typed for it
    clearCall();
  }
}

function clearCall() {
  call = null;
  clearInterval(timers.talk);
  $("call").hidden = true;
  $("idle").hidden = false;
  $("voucher-badge").hidden = true;
  clearTimeout(timers.voucher);
  stopTitleAlert();
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
  if (fresh) {
    // On a phone the script starts folded: the outcome form is right under it.
    $("script-card").open = !window.matchMedia("(max-width: 900px)").matches;
    resetForm(pop);
    restoreDraft(pop.attempt_id);
    alertNewCall(pop.attempt_id);
  }
  renderTransfers(pop);
  renderCallState(pop);
}

// The call's live state: connecting, talking (with its time), the customer gone, a
// transfer under way or failed.
function renderCallState(pop) {
  clearInterval(timers.talk);
  const c = pop.call;
  const status = $("call-status");
  const x = c.transfer;
  document.body.dataset.call = c.left_at || c.ended_at ? "ended" : c.joined_at ? "talking" : "connecting";
  const live = !(c.left_at || c.ended_at);
  const muted = !!(phone && phone.muted);
  $("call-hold").hidden = !live || !c.joined_at || c.on_hold;
  $("call-resume").hidden = !live || !c.on_hold;
  $("call-mute").hidden = !live || !c.joined_at || muted;
  $("call-unmute").hidden = !live || !muted;
  $("call-hangup").hidden = !live;
  const consulting = live && x && x.warm && x.state === "requested" && x.answered_at;
  $("transfer-complete").hidden = !consulting;
  $("transfer-cancel").hidden = !(live && x && x.warm && x.state === "requested");
  if (!live) status.textContent = t("call_left");
  else if (consulting) status.textContent = t("transfer_consult", x);
  else if (x && x.state === "requested") status.textContent = t("transfer_dialling", x);
  else if (c.on_hold) status.textContent = t("call_held");
  else if (c.joined_at) {
    const since = Date.parse(c.joined_at);
    const tick = () => {
      const seconds = Math.max(0, Math.floor((Date.now() + skew - since) / 1000));
      const mm = String(Math.floor(seconds / 60)).padStart(2, "0");
      status.textContent = t("call_talking", `${mm}:${String(seconds % 60).padStart(2, "0")}`)
        + (phone && phone.muted ? t("muted") : "");
    };
    tick();
    timers.talk = setInterval(tick, 1000);
  } else status.textContent = t("call_connecting");
  $("transfer-status").textContent = x && x.state === "failed" ? t("transfer_failed", x) : "";
  if (x && x.state === "done") {
    for (const input of $("outcome-form").elements) input.disabled = true;
    $("outcome-done").hidden = false;
    $("outcome-done").textContent = t("transferred", x);
  }
}

// The transfer panel (seed 003): the campaign's transfer guide for this call, read once
// per call. The agent picks the problem's category and sees the line to say (filled for
// the customer); an "educate" category is recorded as information given, no transfer;
// a transferred one needs the customer's answer (YA/Baik) before the Transfer button.
let transferGuide = { attempt: null, guide: null };

function renderTransfers(pop) {
  const box = $("transfer-box");
  if (transferGuide.attempt !== pop.attempt_id) {
    transferGuide = { attempt: pop.attempt_id, guide: null };
    box.hidden = true;
    $("call-transfer").hidden = true;
    api(`/api/agent/transfer/guide?attempt_id=${pop.attempt_id}`).then(({ guide }) => {
      if (transferGuide.attempt !== pop.attempt_id) return;
      transferGuide.guide = guide;
      fillTransferGuide(guide);
      renderTransfers(call);
    }).catch(() => null); // no guide (or no longer this call): no panel
    return;
  }
  const busy = pop.call.transfer && ["requested", "done"].includes(pop.call.transfer.state);
  box.hidden = !transferGuide.guide || pop.call.state !== "in-progress" || busy || !!pop.call.left_at;
  $("call-transfer").hidden = box.hidden;
}

function fillTransferGuide(guide) {
  const select = $("transfer-category");
  const none = el("option", t("choose"));
  none.value = "";
  select.replaceChildren(none, ...guide.categories.map((c) => {
    const o = el("option", c.label);
    o.value = c.key;
    return o;
  }));
  $("transfer-after").textContent = guide.after_call;
  $("transfer-informed-done").textContent = "";
  $("transfer-error").textContent = "";
  renderCategory();
}

function chosenCategory() {
  const guide = transferGuide.guide;
  return guide && guide.categories.find((c) => c.key === $("transfer-category").value);
}

function chosenConsent() {
  const checked = document.querySelector("#transfer-consent input:checked");
  return checked ? checked.value : null;
}

function renderCategory() {
  const c = chosenCategory();
  $("transfer-guide").hidden = !c;
  if (!c) return;
  $("transfer-say").textContent = c.say[$("transfer-address").value];
  $("transfer-guide-notes").replaceChildren(...c.notes.map((n) => el("li", n)));
  $("transfer-fields").replaceChildren(...(c.log.fields || []).map((f) => {
    const label = el("label");
    const input = el("input");
    input.name = f.key;
    label.append(el("span", f.label), " ", input);
    return label;
  }));
  $("transfer-log").textContent = t("transfer_log", c.log);
  const transfer = c.procedure === "transfer";
  $("transfer-educate").hidden = transfer;
  $("transfer-go").hidden = !transfer;
  $("transfer-to").replaceChildren(...c.destinations.map((d) => {
    const o = el("option", d.label);
    o.value = d.key;
    return o;
  }));
  $("transfer-consent-words").replaceChildren(...c.consent.map((word) => {
    const label = el("label");
    const radio = el("input");
    radio.type = "radio";
    radio.name = "consent";
    radio.value = word;
    radio.onchange = () => { $("transfer").disabled = !chosenConsent(); };
    label.append(radio, " ", word);
    return label;
  }));
  $("transfer").disabled = true;
}

function logFields() {
  const fields = {};
  for (const input of $("transfer-fields").querySelectorAll("input")) fields[input.name] = input.value;
  return fields;
}

async function recordInformed() {
  $("transfer-error").textContent = "";
  try {
    const { informed } = await api("/api/agent/informed", { method: "POST", body: {
      attempt_id: call.attempt_id, category: $("transfer-category").value, fields: logFields() } });
    $("transfer-informed-done").textContent = t("informed_done", informed);
  } catch (err) {
    $("transfer-error").textContent = err.message;
  }
}

// Hang up, hold, resume, mute: the carrier does it; the screen changes when the
// conference says it happened (the next pop).
async function controlCall(action) {
  $("call-error").textContent = "";
  try {
    await api("/api/agent/call", { method: "POST", body: { attempt_id: call.attempt_id, action } });
  } catch (err) {
    $("call-error").textContent = err.message;
  }
}

async function transferCall() {
  $("transfer-error").textContent = "";
  $("transfer").disabled = true;
  try {
    const { transfer } = await api("/api/agent/transfer", { method: "POST", body: {
      attempt_id: call.attempt_id, destination: $("transfer-to").value, consent: chosenConsent(),
      fields: logFields(), notes: $("transfer-notes").value, warm: $("transfer-warm").checked } });
    // Done only when the destination answers: the pop says so (or that it failed).
    $("call-status").textContent = t("transfer_dialling", transfer);
  } catch (err) {
    $("transfer-error").textContent = err.message;
  } finally {
    $("transfer").disabled = !chosenConsent();
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
  // The customer's clock, written as they would (09.30 WIB; 09:30 WIB in English).
  const hm = pop.local_time ? pop.local_time.slice(11, 16) : "";
  const local = hm ? `${jam(hm, lang)} ${c.zone}` : c.zone;
  pairs($("customer"), [
    [t("name"), c.name],
    [t("indihome"), c.indihome_number],
    ["MSISDN", c.msisdn],
    [t("wa_number"), c.wa_number],
    [t("tier"), c.tier],
    [t("address"), c.address],
    [t("province"), c.province],
    [t("local_time"), local + " (" + t("greeting", pop.greeting) + ")"],
    [t("attempt"), pop.history.number],
  ]);
}

function renderBill(pop) {
  const b = pop.bill;
  const p = pop.penalty;
  pairs($("bill"), [
    [t("bill_month"), b.month_text],
    [t("amount"), b.text],
    [t("status"), b.paid ? t("paid", b.payment.channel || "") : t("unpaid")],
    [t("due"), day(p.due)],
    [t("penalty_today"), p.penalty === null ? p.rule : rupiah(p.penalty)],
    [t("total_today"), rupiah(p.to_pay)],
    [t("minipack_today"), p.minipack ? t("yes") : t("no")],
    [t("channels"), b.channels.join(", ")],
  ]);
  const body = $("schedule").querySelector("tbody");
  body.replaceChildren();
  for (const line of p.schedule) {
    const tr = el("tr");
    const today = p.today >= line.from && (line.to === null || p.today <= line.to);
    if (today) tr.className = "today";
    const dates = line.to ? `${day(line.from)} – ${day(line.to)}` : t("from", day(line.from));
    tr.append(el("td", dates), el("td", line.penalty ? rupiah(line.penalty) : t("no_penalty")));
    body.append(tr);
  }
  const sources = t("sources");
  // The billing data's time in the customer's zone, named (as the call script speaks).
  const asOf = b.as_of ? t("as_of") + waktu(b.as_of, pop.customer.zone, lang) : "";
  $("bill-source").textContent = t("source") + (sources[b.source] || b.source) + asOf +
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
    // The disposition so far: a caring branch's is replaced if the call goes on.
    $("code").value = branch.outcome;
    renderDetails();
  }
  if (branch.then === "caring") {
    // Caring is recorded as an action of the call; then the script goes on (seed 001).
    if (branch.action) openAction(branch.action);
    const notes = $("caring-notes");
    notes.textContent = (branch.notes || []).join("\n");
    notes.hidden = !notes.textContent;
    const resume = branch.resume ? $("step-" + branch.resume) : null;
    const button = $("resume");
    button.hidden = !resume;
    if (resume) {
      button.textContent = t("resume", resume.querySelector("strong").textContent);
      button.onclick = () => resume.scrollIntoView({ behavior: "smooth" });
    }
    $("actions").scrollIntoView();
    return;
  }
  const target = branch.then.startsWith("step:") ? $("step-" + branch.then.slice(5)) : null;
  if (target) target.scrollIntoView({ behavior: "smooth" });
  if (branch.then === "end") $("outcome-card").scrollIntoView();
}

function renderVoucher(pop) {
  const v = pop.voucher;
  const badge = $("voucher-badge");
  badge.textContent = v.available
    ? t("voucher_left", v)
    : t("voucher_off", v.partner, v.reason === "expired" ? t("expired") : t("used_up"));
  badge.className = "badge " + (v.available ? "on" : "off");
  badge.hidden = false;
  clearTimeout(timers.voucher);
  if (v.available) {
    // Hidden at the expiry instant, by the server's clock, without waiting for news.
    const wait = Date.parse(v.expires_at) - (Date.now() + skew);
    if (wait < 2 ** 31) timers.voucher = setTimeout(() => hideVoucher(t("expired")), Math.max(0, wait));
  }
}

function hideVoucher(reason) {
  for (const li of $("steps").children) {
    if (VOUCHER_STEPS.includes(li.dataset.shownWhen)) li.hidden = true;
  }
  const badge = $("voucher-badge");
  badge.textContent = t("voucher_off", "", reason);
  badge.className = "badge off";
}

// ---------------------------------------------------------------- the outcome

function resetForm(pop) {
  const form = $("outcome-form");
  form.reset();
  form.hidden = false;
  for (const input of form.elements) input.disabled = false;
  $("outcome-done").hidden = true;
  clearProblems();
  $("wa").value = pop.customer.wa_number || pop.customer.msisdn;
  $("new-address-label").hidden = true;
  $("act-tickets").replaceChildren();
  for (const id of ["act-claim", "act-cancel", "closure", "caring-notes", "resume"]) $(id).hidden = true;
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

const YES_NO = () => [["true", t("yes")], ["false", t("no")]];

function renderDetails() {
  const box = $("details");
  box.replaceChildren();
  const code = $("code").value;
  if (code === "customer_busy") {
    const input = el("input");
    input.type = "datetime-local";
    input.name = "callback_at";
    box.append(field(t("callback_at", call.customer.zone), input));
  } else if (code === "claims_cancelled") {
    openAction("claim");
  } else if (code === "wants_cancellation") {
    openAction("cancellation");
  } else if (code === "wrong_number") {
    box.append(el("div", t("verified")));
    for (const [value, label] of [["msisdn", t("v_msisdn")], ["owner_name", t("v_owner")], ["address", t("v_address")]]) {
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
    openAction("ticket");
  } else if (code === "pays_other_channel") {
    box.append(field(t("pay_channel"), select("channel", vocabulary.payment_channels.map((c) => [c.code, c.label]))));
  } else if (code === "pays_via_bukalapak") {
    const note = call.voucher.available
      ? t("confirm_wa")
      : t("no_voucher", call.voucher.reason === "expired" ? t("expired") : t("used_up"));
    box.append(el("p", note, call.voucher.available ? "muted" : "error"));
  }
}

// The actions of caring: the "claims cancelled" check, a request to cancel, tickets.
function openAction(kind) {
  if (kind === "claim") $("act-claim").hidden = false;
  else if (kind === "cancellation") $("act-cancel").hidden = false;
  else if (kind === "ticket" && !$("act-tickets").children.length) addTicket();
}

let ticketSerial = 0;

function addTicket() {
  const box = el("div", null, "ticket");
  const i = ++ticketSerial;
  box.dataset.ticket = String(i);
  const remove = el("button", t("remove_ticket"));
  remove.type = "button";
  remove.onclick = () => box.remove();
  renderTicket(box, i);
  box.append(remove);
  $("act-tickets").append(box);
}

function renderTicket(box, i) {
  const kind = select(`ticket_kind_${i}`, [["existing", t("ticket_existing")], ["new", t("ticket_new")]]);
  box.append(field(t("ticket"), kind));
  const more = el("div");
  box.append(more);
  kind.onchange = () => {
    more.replaceChildren();
    if (kind.value === "existing") {
      const input = el("input");
      input.name = `ticket_existing_${i}`;
      more.append(field(t("ticket_number"), input));
    } else if (kind.value === "new") {
      const guide = select(`ticket_guide_${i}`, guides.map((g) => [g.name, g.title]));
      more.append(field(t("guide"), guide));
      const fields = el("div");
      more.append(fields);
      guide.onchange = () => {
        fields.replaceChildren();
        const found = guides.find((g) => g.name === guide.value);
        if (!found) return;
        const inputs = {};
        for (const f of found.mandatory_fields) {
          const input = f.choices ? select(`tf_${i}_${f.key}`, f.choices.map((c) => [c, c])) : el("input");
          input.name = `tf_${i}_${f.key}`;
          input.required = f.required;
          inputs[f.key] = input;
          let label = f.label;
          const when = f.required_when;
          if (when) {
            const other = found.mandatory_fields.find((o) => o.key === when.field);
            label += t("required_when", other ? other.label : when.field, when.equals);
          }
          fields.append(field(label, input));
        }
        // A field required only in a case is required as soon as the case holds.
        for (const f of found.mandatory_fields) {
          const when = f.required_when;
          if (!when || !inputs[when.field]) continue;
          const sync = () => { inputs[f.key].required = when.equals.includes(inputs[when.field].value); };
          inputs[when.field].addEventListener("change", sync);
          sync();
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
  const yesNo = (name) => {
    const v = data.get(name);
    return v === "true" || v === "false" ? v === "true" : undefined;
  };
  for (const name of ["address_valid", "service_working"]) {
    if (yesNo(name) !== undefined) body[name] = yesNo(name);
  }
  if (!$("act-claim").hidden) {
    for (const name of ["arrears_paid", "modem_returned"]) {
      if (yesNo(name) !== undefined) body[name] = yesNo(name);
    }
  }
  if (!$("act-cancel").hidden && data.get("cancellation")) {
    body.cancellation = data.get("cancellation");
    if (body.cancellation === "closure_request") {
      if (yesNo("arrears_settled") !== undefined) body.arrears_settled = yesNo("arrears_settled");
      if (yesNo("closure_modem_returned") !== undefined) body.modem_returned = yesNo("closure_modem_returned");
    }
  }
  for (const name of ["new_address", "wa_number", "myindihome", "channel"]) {
    const v = data.get(name);
    if (v) body[name] = v;
  }
  if (data.get("callback_at")) body.callback_at = data.get("callback_at") + ":00" + OFFSETS[call.customer.zone];
  const verified = data.getAll("verified");
  if (body.code === "wrong_number") body.verified = verified;
  const tickets = [];
  for (const box of $("act-tickets").children) {
    const i = box.dataset.ticket;
    const kind = data.get(`ticket_kind_${i}`);
    if (kind === "existing") tickets.push({ existing: data.get(`ticket_existing_${i}`) });
    else if (kind === "new") {
      const fields = {};
      const prefix = `tf_${i}_`;
      for (const [k, v] of data.entries()) if (k.startsWith(prefix) && v) fields[k.slice(prefix.length)] = v;
      tickets.push({ new: { guide: data.get(`ticket_guide_${i}`), fields } });
    }
  }
  if (tickets.length) body.tickets = tickets;
  return body;
}

async function submitOutcome(event) {
  event.preventDefault();
  clearProblems();
  const button = $("submit-outcome");
  button.disabled = true;
  try {
    const result = await api("/api/agent/outcome", { method: "POST", body: formBody() });
    dropDraft(call.attempt_id);
    const form = $("outcome-form");
    for (const input of form.elements) input.disabled = true;
    $("outcome-done").hidden = false;
    let voucher = "";
    if (result.voucher) {
      voucher = result.voucher.issued
        ? t("voucher_issued", result.voucher.voucher)
        : " " + result.voucher.message;
    }
    $("outcome-done").textContent = t("saved", labelOf(vocabulary.outcomes, result.outcome.code), voucher);
  } catch (err) {
    button.disabled = false;
    showProblems(err);
  }
}

// --------------------------------------------------------------------- wiring

function wire() {
  const code = $("code");
  code.onchange = renderDetails;
  $("add-ticket").onclick = addTicket;
  $("cancellation").onchange = (e) => { $("closure").hidden = e.target.value !== "closure_request"; };
  $("outcome-form").addEventListener("submit", submitOutcome);
  $("outcome-form").addEventListener("input", saveDraft);
  $("outcome-form").addEventListener("change", saveDraft);
  $("sound").onclick = toggleSound;
  $("call-transfer").onclick = () => {
    $("transfer-box").scrollIntoView();
    $("transfer-category").focus();
  };
  $("to-outcome").onclick = (event) => {
    event.preventDefault();
    focusOutcome();
  };
  document.addEventListener("keydown", shortcut);
  for (const kind of ["keydown", "pointerdown"]) document.addEventListener(kind, stopTitleAlert);
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
  $("transfer-category").onchange = renderCategory;
  $("transfer-address").onchange = renderCategory;
  $("transfer-informed").onclick = recordInformed;
  for (const step of ["complete", "cancel"]) {
    $(`transfer-${step}`).onclick = () => api(`/api/agent/transfer/${call.call.transfer.id}/${step}`, { method: "POST" })
      .catch((err) => { $("call-error").textContent = err.message; });
  }
  $("join").onclick = () => send({ type: "join", campaign: $("campaign").value });
  $("available").onclick = goAvailable;
  $("phone-connect").onclick = connectPhone;
  for (const action of ["hold", "resume", "mute", "unmute", "hangup"]) {
    $(`call-${action}`).onclick = () => controlCall(action);
  }
  $("phone-hangup").onclick = hangUpPhone;
  // A break with its reason; asked during after-call work it starts when that ends.
  $("paused").onclick = () => send({ type: "state", state: "paused", reason: $("pause-reason").value });
  $("pause-after").onchange = (event) => send({
    type: "state", pause_after_call: event.target.checked, reason: $("pause-reason").value });
  $("logout").onclick = async () => {
    stopped = true;
    send({ type: "state", state: "offline" });
    if (phone && phone.state !== "dropped") await hangUpPhone().catch(() => null);
    await api("/api/auth/logout", { method: "POST" }).catch(() => null);
    if (ws) ws.close();
    clearCall();
    show("login");
  };
}

wire();
translate();
boot();
