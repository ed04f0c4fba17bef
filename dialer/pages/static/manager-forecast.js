// The campaign page's forecast panel (GET /api/campaigns/{c}/forecast, issue 21): when
// the list and the voucher quota will run out, the chance of finishing by the
// campaign's end and the agents needed — each with its range — and the inputs used.
// Read when the campaign opens and when the manager asks (the model takes a second or
// two on the server), with the agents logged in or the number typed. Times in the zone
// the page shows; words from FT, in the page's language. Loaded before manager.js,
// whose globals (current, zone, number, percent, vocabulary) it reads when called.
"use strict";

const FT = {
  id: {
    title: "Perkiraan", agents_label: "Jumlah agen", logged_in: "yang masuk", compute: "Hitung",
    computing: "Menghitung…", caption: "Perkiraan kampanye dengan rentangnya",
    figure: "Angka", value: "Perkiraan", range: "Rentang",
    exhausted: "Daftar target habis", quota: "Kuota voucher habis",
    finish: (end) => `Peluang selesai sebelum akhir kampanye (${end})`,
    needed: (share) => `Agen yang dibutuhkan agar selesai (peluang ≥ ${share})`,
    as_of: (at, n, source) => `Per ${at}, dengan ${n} agen (${source}).`,
    sources: { asked: "diminta", logged_in: "yang masuk", virtual_seats: "kursi virtual" },
    done: "Semua target sudah selesai", never: "Tidak pernah: tidak ada agen",
    after_end: (n) => `Tidak sebelum akhir kampanye: sekitar ${n} target tersisa`,
    late: "sesudah akhir kampanye",
    used_up: (at) => `Sudah habis (${at})`, expired: (at) => `Voucher kedaluwarsa (${at})`,
    list_done: "Daftar sudah selesai", not_used_up: "Kemungkinan tidak habis",
    chance: (p) => `peluang habis ${p}`,
    none_suffice: "Tidak ada jumlah yang cukup: jam panggilan dan jeda percobaan ulang yang tersisa kurang",
    no_more: "Tidak ada lagi",
    agents_range: (low, high) => `${low} (peluang 50%) – ${high} (peluang 95%)`,
    inputs: "Masukan yang dipakai",
    in_agents: (n, source) => `${n} agen (${source}), bekerja di setiap jam panggilan`,
    in_targets: (x) => `${number(x.left)} target tersisa dari ${number(x.total)}: ${number(x.ready)} siap, ${number(x.scheduled)} terjadwal, ${number(x.dialing)} sedang ditelepon`,
    in_odds: (p, n) => `Peluang kontak ${p} dari ${number(n)} panggilan`,
    prior: "anggapan awal",
    in_pace: (s, low, high, n) => `${s} detik per kontak per agen (rentang ${low}–${high}) dari ${number(n)} panggilan`,
    in_pace_prior: (s) => `${s} detik per kontak per agen (anggapan awal: belum ada panggilan)`,
    in_callbacks: (p, m) => `${p} kontak minta ditelepon kembali, setelah ${m} menit`,
    in_vouchers: (p, n, q) => `${p} dari ${number(n)} kontak mengambil voucher; kuota ${number(q.quota)}, terpakai ${number(q.taken)}`,
    in_retry: (max, waits) => `Percobaan ulang: paling banyak ${max} per target; jeda ${waits}`,
    in_calendar: (from, to, end) => `Periode ${from} – ${to}, jam panggilan berakhir ${end}`,
    in_holidays: (days) => `Hari libur dilewati: ${days}`, none: "tidak ada",
    holidays_allowed: "Hari libur tetap menelepon",
    campaign_finished: "Kampanye sudah diakhiri: tidak ada lagi yang ditelepon",
    not_running: { draft: "Kampanye masih draf: perkiraan ini menganggap kampanye berjalan mulai sekarang.",
      paused: "Kampanye sedang dijeda: perkiraan ini menganggap kampanye berjalan lagi mulai sekarang." },
    method: (runs, step) => `Simulasi Monte Carlo ${runs} kali (langkah ${step} menit); rentang: persentil ke-10 sampai ke-90, peluang: interval Wilson 90%.`,
  },
  en: {
    title: "Forecast", agents_label: "Agents", logged_in: "logged in", compute: "Compute",
    computing: "Computing…", caption: "The campaign forecast with its ranges",
    figure: "Figure", value: "Forecast", range: "Range",
    exhausted: "Target list exhausted", quota: "Voucher quota used up",
    finish: (end) => `Chance of finishing by the campaign's end (${end})`,
    needed: (share) => `Agents needed to finish (chance ≥ ${share})`,
    as_of: (at, n, source) => `As of ${at}, with ${n} agents (${source}).`,
    sources: { asked: "asked", logged_in: "logged in", virtual_seats: "virtual seats" },
    done: "Every target is finished", never: "Never: no agents",
    after_end: (n) => `Not by the campaign's end: about ${n} targets left`,
    late: "after the campaign's end",
    used_up: (at) => `Used up already (${at})`, expired: (at) => `The voucher expired (${at})`,
    list_done: "The list is finished", not_used_up: "Likely not used up",
    chance: (p) => `chance ${p}`,
    none_suffice: "No number suffices: too few calling hours and retry waits are left",
    no_more: "None",
    agents_range: (low, high) => `${low} (50% chance) – ${high} (95% chance)`,
    inputs: "Inputs used",
    in_agents: (n, source) => `${n} agents (${source}), working every calling hour`,
    in_targets: (x) => `${number(x.left)} targets left of ${number(x.total)}: ${number(x.ready)} ready, ${number(x.scheduled)} scheduled, ${number(x.dialing)} on a call`,
    in_odds: (p, n) => `Contact odds ${p} from ${number(n)} calls`,
    prior: "prior",
    in_pace: (s, low, high, n) => `${s} seconds per contact per agent (range ${low}–${high}) from ${number(n)} calls`,
    in_pace_prior: (s) => `${s} seconds per contact per agent (prior: no calls yet)`,
    in_callbacks: (p, m) => `${p} of contacts ask to be called back, after ${m} minutes`,
    in_vouchers: (p, n, q) => `${p} of ${number(n)} contacts take the voucher; quota ${number(q.quota)}, ${number(q.taken)} taken`,
    in_retry: (max, waits) => `Retries: at most ${max} a target; waits ${waits}`,
    in_calendar: (from, to, end) => `Period ${from} – ${to}, calling hours end ${end}`,
    in_holidays: (days) => `Holidays skipped: ${days}`, none: "none",
    holidays_allowed: "Holidays are called",
    campaign_finished: "The campaign is finished: nobody is called any more",
    not_running: { draft: "The campaign is a draft: this forecast assumes it runs from now on.",
      paused: "The campaign is paused: this forecast assumes it runs again from now on." },
    method: (runs, step) => `Monte Carlo simulation, ${runs} runs (${step}-minute steps); ranges: 10th to 90th percentile, chances: 90% Wilson interval.`,
  },
};

const ft = (key) => FT[lang][key] ?? key;
let forecastShown = null; // the last figures, redrawn when the zone changes
let forecastAsked = 0; // the latest request: an older answer is dropped

function translateForecast() {
  for (const node of document.querySelectorAll("[data-ft]")) node.textContent = ft(node.dataset.ft);
  $("forecast-form").elements.agents.placeholder = ft("logged_in");
}

// Opened with the campaign page (manager.js calls it), and on the form's submit.
async function openForecast(name) {
  translateForecast();
  forecastShown = null;
  $("forecast-form").elements.agents.value = "";  // a number asked was for the campaign before
  $("forecast").tBodies[0].replaceChildren();
  $("forecast-inputs").querySelector("ul").replaceChildren();
  $("forecast-method").textContent = "";
  await loadForecast(name);
}

async function loadForecast(name) {
  const asked = ++forecastAsked;
  const agents = $("forecast-form").elements.agents.value.trim();
  const query = agents === "" ? "" : `?agents=${encodeURIComponent(agents)}`;
  $("forecast-error").textContent = "";
  $("forecast-status").textContent = ft("computing");
  $("forecast-card").setAttribute("aria-busy", "true");
  try {
    const figures = await api(`/api/campaigns/${encodeURIComponent(name)}/forecast${query}`);
    if (asked !== forecastAsked || !current || current.name !== name) return;
    forecastShown = figures;
    drawForecast();
  } catch (err) {
    if (asked !== forecastAsked) return;
    $("forecast-status").textContent = "";
    $("forecast-error").textContent = err.message;
  } finally {
    if (asked === forecastAsked) $("forecast-card").removeAttribute("aria-busy");
  }
}

function drawForecast() {
  const f = forecastShown;
  if (!f) return;
  const F = FT[lang];
  const at = (iso) => waktu(iso, zone, lang);
  const inputs = f.inputs;
  const end = at(inputs.calendar.ends_at);
  const note = F.not_running[inputs.campaign_state];
  $("forecast-status").textContent = F.as_of(at(f.as_of), number(inputs.agents.used), F.sources[inputs.agents.source])
    + (note ? ` ${note}` : "");
  const span = (x) => (x.low ? `${at(x.low)} – ${x.high ? at(x.high) : F.late}` : "—");
  const ex = f.exhausted;
  const finished = () => [F.campaign_finished, "—"];
  const exhausted = {
    campaign_finished: finished,
    done: () => [F.done, "—"],
    never: () => [F.never, "—"],
    after_end: () => [F.after_end(number(ex.left_at_end.median)), span(ex)],
    by_end: () => [at(ex.at), span(ex)],
  }[ex.status]();
  const q = f.quota;
  const quota = {
    campaign_finished: finished,
    used_up: () => [F.used_up(at(q.at)), "—"],
    expired: () => [F.expired(at(q.expires)), "—"],
    list_done: () => [F.list_done, "—"],
    never: () => [F.never, "—"],
    not_used_up: () => [F.not_used_up, F.chance(percent(q.probability))],
    forecast: () => [at(q.at), `${span(q)} · ${F.chance(percent(q.probability))}`],
  }[q.status]();
  const p = f.finish_probability;
  const need = f.agents_needed;
  const agents = {
    campaign_finished: finished,
    done: () => [F.no_more, "—"],
    none_suffice: () => [F.none_suffice, "—"],
    found: () => [number(need.agents), F.agents_range(need.low ?? "—", need.high ?? "—")],
  }[need.status]();
  const rows = [
    ["exhausted", F.exhausted, ...exhausted],
    ["quota", F.quota, ...quota],
    ["finish", F.finish(end), percent(p.value), `${percent(p.low)} – ${percent(p.high)}`],
    ["agents", F.needed(percent(need.share)), ...agents],
  ];
  const head = el("tr");
  head.append(...[ft("figure"), ft("value"), ft("range")].map((h) => {
    const th = el("th", h);
    th.scope = "col";
    return th;
  }));
  $("forecast").tHead.replaceChildren(head);
  $("forecast").tBodies[0].replaceChildren(...rows.map(([key, label, value, range]) => {
    const tr = el("tr");
    tr.dataset.figure = key;
    const th = el("th", label);
    th.scope = "row";
    const spread = el("td", range);
    spread.dataset.label = ft("range");  // named on a phone, where the rows stack
    tr.append(th, el("td", value, "figure"), spread);
    return tr;
  }));
  $("forecast-inputs").querySelector("ul").replaceChildren(...forecastInputs(f).map((line) => el("li", line)));
  $("forecast-method").textContent = F.method(number(f.method.runs), f.method.step_minutes);
  markScrollers();
}

function forecastInputs(f) {
  const F = FT[lang];
  const x = f.inputs;
  const odds = x.contact_odds;
  const zones = Object.entries(odds.by_zone)
    .map(([z, o]) => `${z} ${percent(o.value)} (${o.prior ? F.prior : number(o.n)})`).join(", ");
  const pace = x.seconds_per_contact;
  const seconds = (s) => number(Math.round(s));
  const result = (code) => labelOf(vocabulary.call_results || [], code);
  const waits = Object.entries(x.retry)
    .filter(([, rule]) => rule && typeof rule === "object")
    .map(([code, rule]) => `${result(code)} ${rule.delay} ×${rule.max_attempts}`).join(", ");
  const holidays = x.calendar.holidays === "allow" ? F.holidays_allowed
    : F.in_holidays(x.calendar.holidays_left.map((h) => `${tanggal(h.date, lang)} (${h.name})`).join(", ") || F.none);
  return [
    F.in_agents(number(x.agents.used), F.sources[x.agents.source]),
    F.in_targets(x.targets),
    `${F.in_odds(percent(odds.campaign.value), odds.calls)}${odds.campaign.prior ? ` (${F.prior})` : ""}: ${zones}`,
    pace.prior ? F.in_pace_prior(seconds(pace.value))
      : F.in_pace(seconds(pace.value), seconds(pace.low), seconds(pace.high), pace.n),
    F.in_callbacks(percent(x.callbacks.share), number(x.callbacks.delay_minutes)),
    F.in_vouchers(percent(x.vouchers.share), x.vouchers.contacts, f.quota),
    F.in_retry(x.retry.max_attempts, waits),
    F.in_calendar(tanggal(x.calendar.period[0], lang), tanggal(x.calendar.period[1], lang), waktu(x.calendar.ends_at, zone, lang)),
    holidays,
  ];
}

$("forecast-form").addEventListener("submit", (e) => {
  e.preventDefault();
  if (current) loadForecast(current.name);
});
$("zone").addEventListener("change", () => drawForecast());
