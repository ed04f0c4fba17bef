// The campaign manager's pages: the campaigns, and one campaign's live numbers,
// controls, voucher funnel, outcomes, agents and flagged redemptions. No build step, no
// dependencies, charts drawn here as SVG. Every value from the server is set as text,
// never as HTML. Live numbers come as server-sent events (/api/campaigns/{c}/live); the
// reports are read again every REPORT_SECONDS.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const REPORT_SECONDS = 30;
const T = {
  id: {
    live_agents: "Agen bertugas", phone: "Telepon", monitor: "Supervisi",
    // Issue 20: confirmations, vouchers and tickets acted on, the agent board, readiness.
    progress: "Progres", quota_left_col: "Sisa kuota voucher",
    progress_of: (done, total) => `${number(done)} dari ${number(total)} selesai`,
    cancel: "Batal", actions: "Tindakan",
    confirm_finish_title: "Akhiri kampanye ini?",
    confirm_finish_text: (c) => `Kampanye "${c}" diakhiri untuk selamanya: tidak ada panggilan baru, dan kampanye tidak dapat dimulai, dijeda atau diubah lagi. Tindakan ini tidak dapat diurungkan.`,
    confirm_finish_ok: "Ya, akhiri kampanye",
    void: "Batalkan voucher", resend: "Kirim ulang",
    void_title: "Batalkan voucher ini?",
    void_text: (v) => `Voucher ${v.code} milik ${v.name} tidak dapat ditukar lagi dan tempatnya kembali ke kuota; pesannya yang belum terkirim ditahan. Tindakan ini tidak dapat diurungkan.`,
    void_ok: "Ya, batalkan voucher", void_reason: "Alasan pembatalan",
    reason_short: "Tulis alasannya (paling sedikit 3 huruf).",
    voided: (v) => `Voucher ${v.code} dibatalkan.`, resent: (v) => `Pesan voucher ${v.code} dikirim ulang.`,
    close_ticket: "Tutup tiket", ticket_note: "Catatan penutupan",
    ticket_closed: (k) => `Tiket ${k.customer_name} (${k.indihome_number}) ditutup.`, no_due: "tanpa batas",
    duration: "Lama", on_hold: "ditahan",
    board_summary: (c) => `${number(c.on_call)} dalam panggilan · ${number(c.wrap_up)} wrap-up · ${number(c.paused)} istirahat · ${number(c.available)} siap`,
    readiness: (n, ready) => `"Siap ditelepon" (${number(ready)}) menghitung target yang gilirannya sudah tiba; "dapat ditelepon sekarang" (${number(n)}) hanya yang zonanya sedang dalam jam panggilan dan tanpa halangan lain.`,
    zone_line: (z, w) => `${z}: ${number(w.ready)} siap, ${number(w.dialable_now)} dapat ditelepon sekarang — ${w.message}`,
    waiting: "Belum ditelepon sekarang", finished_targets: "Sudah selesai",
    lookup: "Periksa satu nomor (IndiHome atau HP)", check: "Periksa",
    not_now: "belum sekarang", attempts_of: (a, m) => `${a}/${m} percobaan`,
    target_states: { ready: "siap", scheduled: "terjadwal", dialing: "sedang ditelepon", done: "selesai" },
    chart_data: "Angka grafik", zone_label: "Zona waktu",
    badge_tip: "Angka langsung dari server, diperbarui tiap detik",
    badge_lost: "Angka langsung terputus; angka terakhir tetap ditampilkan",
    hours: (h) => `${h} jam`, hour: "Jam", step: "Tahap", count: "Jumlah",
    pacing_modes: { progressive: "progresif (satu panggilan per agen bebas)", power: "power", predictive: "prediktif" },
    pacing_mode: (m) => `Pacing: ${m}`,
    pacing_ratio: (r) => `rasio ${r}`,
    pacing_target: (target, inForce) => `target abandon ${target}, berlaku ${inForce}`,
    pacing_odds: (human, talk) => `peluang orang menjawab ${human}, rata-rata bicara ${talk} detik`,
    pacing_slowed: (since) => `Melambat sejak ${since}: tingkat abandon mendekati batas`,
    pacing_guard: "Pengaman abandon aktif: tingkat abandon melewati batas, satu panggilan per agen bebas",
    pacing_rates: (win, dayRate) => `abandon jendela ${win} · 24 jam ${dayRate}`,
    hour_tip: (h, c, k) => `${jam(pad(h) + ":00", "id")}–${jam(pad((h + 1) % 24) + ":00", "id")}: ${number(c)} panggilan, ${number(k)} kontak`,
    chart_funnel: "Grafik batang corong voucher", chart_outcomes: "Grafik batang hasil panggilan",
    chart_hours: "Grafik batang panggilan dan kontak per jam",
    chart_of: (name, rows) => `${name}: ${rows}`,

    assigned_agents: "Agen yang ditugaskan", assign: "Tugaskan", unassign: "Lepas",
    assigned_hint: "Hanya agen yang ditugaskan yang dapat bergabung ke kampanye ini.",
    no_agent_left: "semua agen sudah ditugaskan",
    listen: "Dengarkan", whisper: "Bisik", barge: "Sela", leave: "Keluar dari panggilan",
    monitored: (m) => `${m.supervisor}: ${({ listen: "mendengarkan", whisper: "berbisik", barge: "menyela" })[m.mode]}${m.state === "connecting" ? " (menyambungkan…)" : ""}`,
    agent_states: { available: "Siap", paused: "Istirahat", on_call: "Dalam panggilan", wrap_up: "Wrap-up" },
    phone_states: { connecting: "menyambungkan", connected: "tersambung", dropped: "terputus" },
    title: "Kampanye", offline: "terputus", online: "langsung", logout: "Keluar",
    for_managers: (user) => `Halaman ini untuk manajer. Akun ${user} bukan manajer.`,
    network_error: "jaringan terputus",
    login: "Masuk", username: "Nama pengguna", password: "Kata sandi",
    campaigns: "Daftar kampanye", name: "Nama", state: "Status", version: "Versi",
    open: "Buka", back: "← Daftar kampanye", start: "Mulai", pause: "Jeda",
    finish: "Akhiri kampanye", funnel: "Corong voucher", why_not: "Mengapa belum ditelepon",
    per_day: "Voucher per hari", outcomes: "Hasil panggilan",
    by_hour: "Panggilan dan kontak per jam (waktu pelanggan)", agents: "Agen",
    flagged: "Penukaran yang ditandai", dl_days: "Unduh per hari (CSV)",
    dl_customers: "Pelanggan (CSV)", dl_xlsx: "Laporan (XLSX)",
    states: { draft: "draf", running: "berjalan", paused: "dijeda", finished: "selesai" },
    tiles: {
      targets: "Target", ready: "Siap ditelepon", dialing: "Sedang ditelepon",
      scheduled: "Menunggu jadwal", done: "Selesai", calls: "Panggilan",
      contact_rate: "Tingkat kontak", abandon_rate: "Tingkat abandon", live: "Panggilan aktif",
      available: "Agen siap", on_call: "Agen dalam panggilan", wrap_up: "Agen wrap-up",
      quota_left: "Sisa kuota voucher",
    },
    steps: {
      offered: "Ditawarkan", accepted: "Diterima", issued: "Diterbitkan", sent: "Terkirim",
      delivered: "Sampai", read: "Dibaca", failed: "Gagal", redeemed: "Ditukar",
      expired: "Kedaluwarsa", lapsed: "Hangus",
    },
    day: "Tanggal", total: "Jumlah", calls: "Panggilan", contacts: "Kontak",
    agent: "Agen", talk: "Bicara (menit)", acw: "Wrap-up (menit)", vouchers: "Voucher",
    paused_min: "Istirahat (menit)", no_reason: "tanpa alasan",
    reference: "Referensi", code: "Kode", result: "Hasil", at: "Waktu",
    amount: "Nilai", redeemed_at: "Ditukar pada",
    flag: {
      unknown_code: "kode tidak dikenal", second_use: "dipakai kedua kali",
      after_expiry: "setelah kedaluwarsa", voided: "voucher dibatalkan",
    },
    rate: "tingkat penukaran", median: "median dari panggilan ke penukaran",
    nothing: "Tidak ada.", dialable: "dapat ditelepon sekarang",
    tickets: "Tiket dari panggilan", upload_targets: "Unggah daftar target",
    transfers: "Transfer & informasi (panduan transfer)", category: "Kategori", log_text: "Catatan",
    handled: "Penanganan", informed: "diinformasikan, tanpa transfer",
    transfer_state: (x) => `transfer ${({ requested: "diminta", done: "selesai", failed: "gagal" })[x.state] || x.state} → ${x.destination}`,
    upload_codes: "Unggah kode voucher mitra", upload: "Unggah", downloads: "Unduhan",
    rejected_csv: "Semua baris yang ditolak (CSV)", dl_outcomes: "Hasil panggilan (XLSX)",
    dl_agents: "Agen (XLSX)", dl_crm: "Ekspor CRM (CSV)", dl_attempts: "Semua panggilan (CSV)",
    customer: "Pelanggan", tier: "Tier", guide: "Panduan / tiket", due: "Batas waktu",
    overdue: "TERLAMBAT", open_tickets: "tiket terbuka", overdue_tickets: "terlambat",
    follow_ups: "Tindak lanjut (mengaku sudah cabut)", open_follow_ups: "tindak lanjut terbuka",
    missing: "Belum beres", arrears_unpaid: "tunggakan belum lunas", modem_kept: "modem belum dikembalikan",
    close_follow_up: "Selesai ditindaklanjuti", resolution_prompt: "Apa yang sudah dilakukan?",
    line: "Baris", field: "Kolom", reason: "Alasan", dnc_value: "Isi baris",
    customers: "Pelanggan dengan voucher", prev: "← Sebelumnya", next: "Berikutnya →",
    voucher_state: { issued: "diterbitkan", sent: "terkirim", delivered: "sampai", read: "dibaca",
      failed: "gagal", redeemed: "ditukar", expired: "kedaluwarsa", lapsed: "hangus", voided: "dibatalkan" },
    page_of: (from, to, total) => `${from}–${to} dari ${total}`,
    dnc: "Daftar jangan ditelepon (DNC)", number: "Nomor", add: "Tambah", added_by: "Oleh",
    listed: (n) => `${number(n)} nomor di daftar`, dnc_added: (e) => `${e.msisdn} ${e.new ? "ditambahkan" : "sudah ada"}`,
    dnc_imported: (r) => `${number(r.rows)} baris: ${number(r.added)} ditambahkan, ${number(r.already_listed)} sudah ada, ${number(r.rejected_rows)} ditolak`,
    imported: (r) => `${number(r.rows)} baris: ${number(r.accepted)} diterima, ${number(r.duplicates)} duplikat, ${number(r.dnc)} DNC, ${number(r.out_of_tier)} di luar tier, ${number(r.rejected_rows)} ditolak`,
    codes_added: (r) => `${number(r.rows)} baris: ${number(r.added)} kode ditambahkan, ${number(r.rejected_rows)} ditolak`,
    dnc_matching: (n, total, q) => `${number(n)} dari ${number(total)} nomor cocok dengan “${q}”`,
    dnc_file: "Berkas nomor (CSV: kolom msisdn atau no_hp, dan alasan; atau satu nomor per baris)",
    dnc_search: "Cari nomor atau alasan", search: "Cari", newer: "← Lebih baru", older: "Lebih lama →",
    added_at: "Ditambahkan", remove: "Hapus dari daftar", remove_short: "Hapus", cancel: "Batal",
    dnc_remove_title: (n) => `Hapus ${n} dari daftar jangan ditelepon?`,
    dnc_remove_warn: "Nomor ini akan dapat ditelepon lagi oleh semua kampanye.",
    dnc_remove_reason: "Alasan menghapus (wajib)", dnc_removed: (n) => `${n} dihapus dari daftar`,
    dnc_page: (from, to) => `${number(from)}–${number(to)}`,
    targets_hint: "CSV (koma atau titik koma, UTF-8) atau XLSX; baris pertama berisi nama kolom, satu pelanggan per baris. Kolom wajib:",
    template: "Unduh templat (CSV)", targets_file: "Berkas daftar target",
    codes_hint: "CSV atau teks: satu kode per baris, atau kolom bernama code.",
    codes_file: "Berkas kode voucher", more_rejected: (n) => `… dan ${number(n)} lainnya`,
    reasons: {
      campaign_draft: "kampanye masih draf", campaign_paused: "kampanye dijeda",
      campaign_finished: "kampanye selesai", before_period: "sebelum periode kampanye",
      after_period: "setelah periode kampanye", holiday: "hari libur", closed_day: "hari tanpa panggilan",
      outside_hours: "di luar jam panggilan", dnc: "daftar jangan ditelepon",
      wrong_number: "salah sambung", dialing: "sedang ditelepon", callback: "menunggu telepon kembali",
      retry_later: "menunggu percobaan berikutnya",
    },
  },
  en: {
    live_agents: "Agents at work", phone: "Phone", monitor: "Supervision",
    progress: "Progress", quota_left_col: "Voucher quota left",
    progress_of: (done, total) => `${number(done)} of ${number(total)} done`,
    cancel: "Cancel", actions: "Actions",
    confirm_finish_title: "End this campaign?",
    confirm_finish_text: (c) => `Campaign "${c}" ends for good: no new calls, and it can never be started, paused or changed again. This cannot be undone.`,
    confirm_finish_ok: "Yes, end the campaign",
    void: "Void voucher", resend: "Resend",
    void_title: "Void this voucher?",
    void_text: (v) => `Voucher ${v.code} of ${v.name} can no longer be redeemed and its place returns to the quota; its unsent message is held. This cannot be undone.`,
    void_ok: "Yes, void the voucher", void_reason: "Why it is voided",
    reason_short: "Give the reason (3 letters at least).",
    voided: (v) => `Voucher ${v.code} voided.`, resent: (v) => `Voucher ${v.code}'s message sent again.`,
    close_ticket: "Close ticket", ticket_note: "Closing note",
    ticket_closed: (k) => `Ticket of ${k.customer_name} (${k.indihome_number}) closed.`, no_due: "no deadline",
    duration: "For", on_hold: "on hold",
    board_summary: (c) => `${number(c.on_call)} on a call · ${number(c.wrap_up)} in wrap-up · ${number(c.paused)} on a break · ${number(c.available)} ready`,
    readiness: (n, ready) => `"Ready to call" (${number(ready)}) counts targets whose turn has come; "dialable now" (${number(n)}) only those whose zone is inside its calling hours, with nothing else in the way.`,
    zone_line: (z, w) => `${z}: ${number(w.ready)} ready, ${number(w.dialable_now)} dialable now — ${w.message}`,
    waiting: "Not called now", finished_targets: "Finished",
    lookup: "Check one number (IndiHome or mobile)", check: "Check",
    not_now: "not now", attempts_of: (a, m) => `${a}/${m} attempts`,
    target_states: { ready: "ready", scheduled: "scheduled", dialing: "being called", done: "finished" },
    chart_data: "Chart figures", zone_label: "Time zone",
    badge_tip: "Live figures from the server, every second",
    badge_lost: "Live figures lost; the last ones stay on screen",
    hours: (h) => `${h} hours`, hour: "Hour", step: "Step", count: "Count",
    pacing_modes: { progressive: "progressive (one call per free agent)", power: "power", predictive: "predictive" },
    pacing_mode: (m) => `Pacing: ${m}`,
    pacing_ratio: (r) => `ratio ${r}`,
    pacing_target: (target, inForce) => `abandon target ${target}, in force ${inForce}`,
    pacing_odds: (human, talk) => `a person answers ${human}, mean talk ${talk} seconds`,
    pacing_slowed: (since) => `Slowed down since ${since}: the abandon rate nears the limit`,
    pacing_guard: "Abandon guard on: the abandon rate passed the limit, one call per free agent",
    pacing_rates: (win, dayRate) => `abandoned over the window ${win} · 24 hours ${dayRate}`,
    hour_tip: (h, c, k) => `${pad(h)}:00–${pad((h + 1) % 24)}:00: ${number(c)} calls, ${number(k)} contacts`,
    chart_funnel: "Bar chart of the voucher funnel", chart_outcomes: "Bar chart of the call outcomes",
    chart_hours: "Bar chart of calls and contacts by hour",
    chart_of: (name, rows) => `${name}: ${rows}`,

    assigned_agents: "Assigned agents", assign: "Assign", unassign: "Unassign",
    assigned_hint: "Only the agents assigned may join this campaign.",
    no_agent_left: "every agent is assigned",
    listen: "Listen", whisper: "Whisper", barge: "Barge in", leave: "Leave the call",
    monitored: (m) => `${m.supervisor}: ${m.mode}${m.state === "connecting" ? " (connecting…)" : ""}`,
    agent_states: { available: "Ready", paused: "On a break", on_call: "On a call", wrap_up: "Wrap-up" },
    phone_states: { connecting: "connecting", connected: "connected", dropped: "dropped" },
    title: "Campaigns", offline: "offline", online: "live", logout: "Log out",
    for_managers: (user) => `This page is for managers. ${user} is not a manager.`,
    network_error: "network error",
    login: "Log in", username: "Username", password: "Password",
    campaigns: "Campaigns", name: "Name", state: "State", version: "Version",
    open: "Open", back: "← Campaigns", start: "Start", pause: "Pause", finish: "End campaign",
    funnel: "Voucher funnel", why_not: "Why not called yet", per_day: "Vouchers per day",
    outcomes: "Call outcomes", by_hour: "Calls and contacts by hour (customer's time)",
    agents: "Agents", flagged: "Flagged redemptions", dl_days: "Per day (CSV)",
    dl_customers: "Customers (CSV)", dl_xlsx: "Report (XLSX)",
    states: { draft: "draft", running: "running", paused: "paused", finished: "finished" },
    tiles: {
      targets: "Targets", ready: "Ready to call", dialing: "Being called",
      scheduled: "Scheduled later", done: "Done", calls: "Calls",
      contact_rate: "Contact rate", abandon_rate: "Abandon rate", live: "Live calls",
      available: "Agents free", on_call: "Agents on call", wrap_up: "Agents in wrap-up",
      quota_left: "Voucher quota left",
    },
    steps: {
      offered: "Offered", accepted: "Accepted", issued: "Issued", sent: "Sent",
      delivered: "Delivered", read: "Read", failed: "Failed", redeemed: "Redeemed",
      expired: "Expired", lapsed: "Lapsed",
    },
    day: "Day", total: "Total", calls: "Calls", contacts: "Contacts", agent: "Agent",
    talk: "Talking (min)", acw: "Wrap-up (min)", vouchers: "Vouchers",
    paused_min: "Not ready (min)", no_reason: "no reason",
    reference: "Reference", code: "Code", result: "Result", at: "At",
    amount: "Amount", redeemed_at: "Redeemed at",
    flag: {
      unknown_code: "unknown code", second_use: "second use", after_expiry: "after expiry",
      voided: "voucher voided",
    },
    rate: "redemption rate", median: "median from the call to redemption",
    nothing: "None.", dialable: "dialable now",
    tickets: "Tickets from calls", upload_targets: "Upload a target list",
    transfers: "Transfers & information (transfer guide)", category: "Category", log_text: "Log",
    handled: "Handled", informed: "informed, no transfer",
    transfer_state: (x) => `transfer ${x.state} → ${x.destination}`,
    upload_codes: "Upload the partner's voucher codes", upload: "Upload", downloads: "Downloads",
    rejected_csv: "Every rejected row (CSV)", dl_outcomes: "Outcomes (XLSX)",
    dl_agents: "Agents (XLSX)", dl_crm: "CRM export (CSV)", dl_attempts: "Every call (CSV)",
    customer: "Customer", tier: "Tier", guide: "Guide / ticket", due: "Due",
    overdue: "OVERDUE", open_tickets: "open tickets", overdue_tickets: "overdue",
    follow_ups: "Follow-ups (says the service is cancelled)", open_follow_ups: "open follow-ups",
    missing: "Not settled", arrears_unpaid: "arrears unpaid", modem_kept: "modem not returned",
    close_follow_up: "Followed up", resolution_prompt: "What was done?",
    line: "Line", field: "Field", reason: "Reason", dnc_value: "What it held",
    customers: "Customers with a voucher", prev: "← Previous", next: "Next →",
    voucher_state: { issued: "issued", sent: "sent", delivered: "delivered", read: "read",
      failed: "failed", redeemed: "redeemed", expired: "expired", lapsed: "lapsed", voided: "voided" },
    page_of: (from, to, total) => `${from}–${to} of ${total}`,
    dnc: "Do-not-call list", number: "Number", add: "Add", added_by: "By",
    listed: (n) => `${number(n)} numbers listed`, dnc_added: (e) => `${e.msisdn} ${e.new ? "added" : "was listed already"}`,
    dnc_imported: (r) => `${number(r.rows)} rows: ${number(r.added)} added, ${number(r.already_listed)} listed already, ${number(r.rejected_rows)} rejected`,
    imported: (r) => `${number(r.rows)} rows: ${number(r.accepted)} accepted, ${number(r.duplicates)} duplicates, ${number(r.dnc)} DNC, ${number(r.out_of_tier)} out of tier, ${number(r.rejected_rows)} rejected`,
    codes_added: (r) => `${number(r.rows)} rows: ${number(r.added)} codes added, ${number(r.rejected_rows)} rejected`,
    dnc_matching: (n, total, q) => `${number(n)} of ${number(total)} numbers match “${q}”`,
    dnc_file: "File of numbers (CSV: an msisdn or no_hp column, and a reason; or one number a line)",
    dnc_search: "Search a number or a reason", search: "Search", newer: "← Newer", older: "Older →",
    added_at: "Added", remove: "Remove from the list", remove_short: "Remove", cancel: "Cancel",
    dnc_remove_title: (n) => `Remove ${n} from the do-not-call list?`,
    dnc_remove_warn: "Every campaign will be able to call this number again.",
    dnc_remove_reason: "Why it is removed (required)", dnc_removed: (n) => `${n} removed from the list`,
    dnc_page: (from, to) => `${number(from)}–${number(to)}`,
    targets_hint: "CSV (comma or semicolon, UTF-8) or XLSX; the first row names the columns, one customer a row. Required columns:",
    template: "Download the template (CSV)", targets_file: "Target list file",
    codes_hint: "CSV or text: one code a line, or a column named code.",
    codes_file: "Voucher codes file", more_rejected: (n) => `… and ${number(n)} more`,
    reasons: {
      campaign_draft: "campaign still a draft", campaign_paused: "campaign paused",
      campaign_finished: "campaign finished", before_period: "before the campaign's period",
      after_period: "after the campaign's period", holiday: "public holiday", closed_day: "no calls that day",
      outside_hours: "outside calling hours", dnc: "on the do-not-call list",
      wrong_number: "wrong number", dialing: "being dialled", callback: "callback due later",
      retry_later: "waiting for the next attempt",
    },
  },
};
const FUNNEL = ["offered", "accepted", "issued", "sent", "delivered", "read", "redeemed"];

// The product's lists (outcome codes …) with labels in the page's language, from
// GET /api/vocabulary: defined once, on the server.
let vocabulary = { outcomes: [] };
const labelOf = (list, code) => (list.find((item) => item.code === code) || { label: code }).label;
// The zone the manager reads days and times in (the per-day table, every time shown).
let zone = ZONE_HOURS[localStorage.getItem("dialer.zone")] ? localStorage.getItem("dialer.zone") : "WIB";
let current = null; // the campaign on screen
let events = null;
let reports = null;
let board = []; // the agent board's refresh and its clock
const BOARD_SECONDS = 2;
let customersFrom = 0;
const CUSTOMERS_PAGE = 25;

const t = (key) => T[lang][key] ?? key;

function number(n) {
  return n === null || n === undefined ? "—" : Number(n).toLocaleString(lang === "id" ? "id-ID" : "en-GB");
}

function percent(r) {
  return r === null || r === undefined ? "—" : (r * 100).toLocaleString(lang === "id" ? "id-ID" : "en-GB", { maximumFractionDigits: 1 }) + "%";
}

function day(iso) {
  return tanggal(iso, lang);
}

const pad = (n) => String(n).padStart(2, "0");

function translate() {
  document.documentElement.lang = lang;
  titled();
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  $("live-badge").title = t("badge_tip");
}

// The tab's title: the campaign on screen (its title when it has one), in the page's language.
function titled() {
  const what = current && !$("campaign-view").hidden ? `${current.definition?.title || current.name} — ` : "";
  document.title = `${what}${t("title")} — Dialer`;
}

function show(view) {
  for (const name of ["login", "list", "campaign"]) $(`${name}-view`).hidden = view !== name;
  $("whoami").hidden = view === "login";
  // The live badge speaks of a campaign's stream: on the list there is none to lose.
  $("live-badge").hidden = view !== "campaign";
  titled();
}

// A wide table scrolls inside its card; a region that scrolls can be reached by the keyboard.
function markScrollers() {
  for (const node of document.querySelectorAll(".scroll")) {
    if (node.scrollWidth > node.clientWidth + 1) node.tabIndex = 0; else node.removeAttribute("tabindex");
  }
}
window.addEventListener("resize", markScrollers);

// Asks before an irreversible action: what it does, an optional field (a reason), and the
// answer — the field's value, or null when the manager cancels.
function confirmAction({ title, text, ok, field = null, check = null }) {
  const dialog = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = ok;
  $("confirm-error").textContent = "";
  $("confirm-field").hidden = !field;
  $("confirm-label").textContent = field || "";
  $("confirm-input").value = "";
  $("confirm-input").required = Boolean(field);
  return new Promise((resolve) => {
    const done = (answer) => {
      $("confirm-form").onsubmit = null;
      $("confirm-cancel").onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    $("confirm-form").onsubmit = (e) => {
      e.preventDefault();
      const value = $("confirm-input").value.trim();
      const problem = check ? check(value) : null;
      if (problem) {
        $("confirm-error").textContent = problem;
        $("confirm-input").setAttribute("aria-invalid", "true");
        $("confirm-input").focus();
        return;
      }
      $("confirm-input").removeAttribute("aria-invalid");
      done(value);
    };
    $("confirm-cancel").onclick = () => done(null);
    dialog.onclose = () => done(null);
    dialog.showModal();
    (field ? $("confirm-input") : $("confirm-cancel")).focus();
  });
}

let me = null;

async function boot() {
  try {
    me = await api("/api/auth/me");
    lang = new URLSearchParams(location.search).get("lang") || me.language || "id";
    if (!T[lang]) lang = "id";
    if (me.role !== "manager") {
      translate();
      show("login");
      $("login-error").textContent = T[lang].for_managers(me.username);
      return;
    }
    vocabulary = await api(`/api/vocabulary?lang=${lang}`);
    describeColumns();
    translate();
    $("user-name").textContent = me.display_name || me.username;
    route();
  } catch (err) {
    translate();
    show("login");
  }
}

function route() {
  const name = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  if (name) openCampaign(name); else listCampaigns();
}

// The do-not-call list, newest first, DNC_PAGE entries a page: dncPages holds the
// cursor each page seen so far started at (null: the newest), so "newer" goes back.
const DNC_PAGE = 50;
let dncQuery = "";
let dncPages = [null];

async function loadDnc() {
  const params = new URLSearchParams({ limit: DNC_PAGE });
  if (dncQuery) params.set("q", dncQuery);
  const before = dncPages[dncPages.length - 1];
  if (before) params.set("before", before);
  const body = await api(`/api/dnc?${params}`);
  $("dnc-total").textContent = dncQuery
    ? T[lang].dnc_matching(body.matching, body.total, dncQuery) : T[lang].listed(body.total);
  table("dnc", [t("number"), t("reason"), t("added_by"), t("added_at"), ""],
    body.entries.map((e) => [e.msisdn, e.reason || "", e.added_by_name || e.added_by || e.source || "",
      waktu(e.added_at, zone, lang), ""]));
  body.entries.forEach((e, i) => {
    const remove = el("button", t("remove_short"));
    remove.type = "button";
    remove.setAttribute("aria-label", T[lang].dnc_remove_title(e.msisdn));
    remove.dataset.msisdn = e.msisdn;
    remove.onclick = () => askRemoveDnc(e.msisdn);
    $("dnc").tBodies[0].rows[i].cells[4].append(remove);
  });
  const from = (dncPages.length - 1) * DNC_PAGE;
  $("dnc-page").textContent = body.entries.length ? T[lang].dnc_page(from + 1, from + body.entries.length) : "";
  $("dnc-prev").disabled = dncPages.length === 1;
  $("dnc-next").disabled = !body.next_before;
  $("dnc-next").dataset.before = body.next_before || "";
}

// The result of a DNC action under the card: an error in red, else muted.
function dncSays(text, isError) {
  $("dnc-result").textContent = text;
  $("dnc-result").className = isError ? "error" : "muted";
}

function askRemoveDnc(msisdn) {
  const dialog = $("dnc-remove");
  dialog.dataset.msisdn = msisdn;
  $("dnc-remove-title").textContent = T[lang].dnc_remove_title(msisdn);
  $("dnc-remove-form").reset();
  $("dnc-remove-error").textContent = "";
  dialog.showModal();
}

$("dnc-remove-cancel").addEventListener("click", () => $("dnc-remove").close());
$("dnc-remove-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const msisdn = $("dnc-remove").dataset.msisdn;
  const reason = new FormData(e.target).get("reason");
  try {
    await api(`/api/dnc/${encodeURIComponent(msisdn)}`, { method: "DELETE", body: { reason } });
    $("dnc-remove").close();
    dncSays(T[lang].dnc_removed(msisdn), false);
    await loadDnc();
  } catch (err) {
    $("dnc-remove-error").textContent = err.message;
  }
});

$("dnc-search").addEventListener("submit", (e) => {
  e.preventDefault();
  dncQuery = String(new FormData(e.target).get("q") || "").trim();
  dncPages = [null];
  loadDnc().catch((err) => dncSays(err.message, true));
});
$("dnc-next").addEventListener("click", () => {
  dncPages.push($("dnc-next").dataset.before);
  loadDnc().catch((err) => dncSays(err.message, true));
});
$("dnc-prev").addEventListener("click", () => {
  if (dncPages.length > 1) dncPages.pop();
  loadDnc().catch((err) => dncSays(err.message, true));
});

async function listCampaigns() {
  stopWatching();
  current = null;
  show("list");
  loadDnc().catch((err) => dncSays(err.message, true));
  $("list-error").textContent = "";
  const body = await api("/api/campaigns").catch((err) => {
    $("list-error").textContent = err.message;
    return { campaigns: [] };
  });
  const tbody = $("campaigns").tBodies[0];
  tbody.replaceChildren();
  // Each campaign by its title (its short name under it), state, progress and quota left.
  for (const c of body.campaigns) {
    const tr = el("tr");
    tr.dataset.campaign = c.name;
    const name = el("td");
    name.append(el("strong", c.title || c.name));
    if (c.title) name.append(el("br"), el("span", c.name, "muted"));
    const progress = el("td");
    const bar = el("progress");
    bar.max = Math.max(c.targets, 1);
    bar.value = c.done;
    bar.className = "inline";
    bar.setAttribute("aria-label", T[lang].progress_of(c.done, c.targets));
    progress.append(el("span", T[lang].progress_of(c.done, c.targets)), bar);
    const quota = el("td", `${number(c.quota_left)} / ${number(c.quota)}`);
    quota.dataset.key = "quota";
    tr.append(name, el("td", t("states")[c.state] || c.state), progress, quota, el("td", c.version));
    const open = el("a", t("open"));
    open.href = `#${encodeURIComponent(c.name)}`;
    open.setAttribute("aria-label", `${t("open")} ${c.title || c.name}`);
    const td = el("td");
    td.append(open);
    tr.append(td);
    tbody.append(tr);
  }
  markScrollers();
}

function stopWatching() {
  if (events) events.close();
  events = null;
  if (reports) clearInterval(reports);
  reports = null;
  for (const timer of board) clearInterval(timer);
  board = [];
  $("live-badge").textContent = t("offline");
  $("live-badge").className = "badge off";
}

async function openCampaign(name) {
  stopWatching();
  customersFrom = 0;
  const campaign = await api(`/api/campaigns/${encodeURIComponent(name)}`).catch((err) => err);
  if (campaign instanceof Error) {
    // A campaign that is not there (an old link): the list, with why, rather than nothing.
    await listCampaigns();
    $("list-error").textContent = campaign.message;
    return;
  }
  current = campaign;
  show("campaign");
  $("campaign-name").textContent = campaign.definition?.title || campaign.name;
  $("campaign-code").textContent = campaign.definition?.title ? campaign.name : "";
  $("campaign-error").textContent = "";
  setState(campaign.state);
  const base = `/api/campaigns/${encodeURIComponent(campaign.name)}/reports/vouchers`;
  $("dl-days").href = `${base}.csv?table=days&zone=${zone}`;
  $("dl-customers").href = `${base}.csv?table=customers`;
  $("dl-xlsx").href = `${base}.xlsx?zone=${zone}&lang=${lang}`;
  const reportsBase = `/api/campaigns/${encodeURIComponent(campaign.name)}`;
  $("dl-outcomes").href = `${reportsBase}/reports/outcomes.xlsx?lang=${lang}`;
  $("dl-agents").href = `${reportsBase}/reports/agents.xlsx?lang=${lang}`;
  $("dl-crm").href = `${reportsBase}/crm.csv`;
  $("dl-attempts").href = `${reportsBase}/attempts.csv`;
  openLive(campaign.name);
  openForecast(campaign.name);  // manager-forecast.js: seconds on the server, not awaited
  await loadReports();
  reports = setInterval(loadReports, REPORT_SECONDS * 1000);
  board = [
    setInterval(() => loadLiveAgents().catch((err) => { $("monitor-error").textContent = err.message; }), BOARD_SECONDS * 1000),
    setInterval(tickBoard, 1000),
  ];
  await loadAssigned().catch((err) => { $("assign-error").textContent = err.message; });
}

// The live numbers. The browser reconnects a stream that ended (a node stopping ends its
// streams); one refused on reconnecting (a 502 while the balancer finds a live node) is
// closed for good by the browser, so it is opened again here, a few seconds later.
function openLive(name) {
  const source = new EventSource(`/api/campaigns/${encodeURIComponent(name)}/live`);
  events = source;
  source.addEventListener("progress", (e) => {
    const progress = JSON.parse(e.data);
    // The server could not read or announce the figures: say so, keep the last ones.
    $("live-badge").textContent = progress.error ? t("offline") : t("online");
    $("live-badge").className = progress.error ? "badge off" : "badge on";
    $("live-badge").title = progress.error ? `${t("badge_lost")}: ${progress.error}` : t("badge_tip");
    if (!progress.error) drawTiles(progress);
  });
  source.onerror = () => {
    $("live-badge").textContent = t("offline");
    $("live-badge").className = "badge off";
    $("live-badge").title = t("badge_lost");
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(() => {
        if (events === source) openLive(name);  // still this campaign's page
      }, 3000);
    }
  };
}

// The agents assigned to the campaign (only they may join it): unassign one, or assign
// another agent from the users' list.
async function loadAssigned() {
  const name = encodeURIComponent(current.name);
  const [{ agents }, { users }] = await Promise.all([
    api(`/api/campaigns/${name}/agents`), api("/api/users")]);
  const head = el("tr");
  head.append(...[t("agent"), t("state"), ""].map((h) => el("th", h)));
  $("assigned").tHead.replaceChildren(head);
  const rows = agents.map((a) => {
    const tr = el("tr");
    tr.dataset.agent = a.username;
    const remove = el("button", t("unassign"));
    remove.type = "button";
    remove.onclick = () => assignment("DELETE", a.username);
    const controls = el("td");
    controls.append(remove);
    tr.append(el("td", a.display_name || a.username),
      el("td", t("agent_states")[a.state] || t("offline")), controls);
    return tr;
  });
  if (!rows.length) {
    rows.push(el("tr"));
    rows[0].append(el("td", t("nothing")));
  }
  $("assigned").tBodies[0].replaceChildren(...rows);
  const taken = new Set(agents.map((a) => a.username));
  const free = users.filter((u) => u.role === "agent" && !u.disabled && !taken.has(u.username));
  $("assign-agent").replaceChildren(...free.map((u) => {
    const option = el("option", u.display_name ? `${u.display_name} (${u.username})` : u.username);
    option.value = u.username;
    return option;
  }));
  $("assign-form").querySelector("button").disabled = !free.length;
  if (!free.length) $("assign-agent").append(el("option", t("no_agent_left")));
}

async function assignment(method, username) {
  $("assign-error").textContent = "";
  try {
    const path = `/api/campaigns/${encodeURIComponent(current.name)}/agents/${encodeURIComponent(username)}`;
    await api(path, { method });
    await loadAssigned();
  } catch (err) {
    $("assign-error").textContent = err.message;
  }
}

$("assign-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const username = $("assign-agent").value;
  if (username) assignment("PUT", username);
});

function setState(state) {
  current.state = state;
  $("campaign-state").textContent = t("states")[state] || state;
  $("start").disabled = !["draft", "paused"].includes(state);
  $("pause").disabled = state !== "running";
  $("finish").disabled = state === "finished";
}

async function act(action) {
  $("campaign-error").textContent = "";
  if (action === "finish") {
    const sure = await confirmAction({
      title: t("confirm_finish_title"),
      text: T[lang].confirm_finish_text(current.definition?.title || current.name),
      ok: t("confirm_finish_ok"),
    });
    if (sure === null) return;
  }
  try {
    const body = await api(`/api/campaigns/${encodeURIComponent(current.name)}/${action}`, { method: "POST" });
    setState(body.state);
  } catch (err) {
    $("campaign-error").textContent = err.message;
  }
}

function drawTiles(p) {
  if (p.state && p.state !== current.state) setState(p.state);
  const agents = p.agents || {};
  const tiles = [
    ["targets", number(p.targets.total)],
    ["ready", number(p.targets.ready || 0)],
    ["dialing", number(p.targets.dialing || 0)],
    ["scheduled", number(p.targets.scheduled || 0)],
    ["done", number(p.targets.done || 0)],
    ["calls", number(p.attempts.total)],
    ["contact_rate", percent(p.contact_rate)],
    ["abandon_rate", percent(p.abandon_rate)],
    ["live", number(p.live.on_seat + p.live.in_flight)],
    ["available", number(agents.available || 0)],
    ["on_call", number(agents.on_call || 0)],
    ["wrap_up", number(agents.wrap_up || 0)],
    ["quota_left", number(p.vouchers.left)],
  ];
  $("tiles").replaceChildren(...tiles.map(([key, value]) => {
    const tile = el("div", null, "tile");
    tile.dataset.key = key;
    tile.append(el("span", value, "value"), el("span", t("tiles")[key], "label"));
    return tile;
  }));
  drawPacing(p.pacing);
}

// How the pacer sizes its calls now: the mode, the abandon target and the target in
// force, the odds it uses, and — said plainly — when it slowed down or the guard is on.
function drawPacing(pacing) {
  const note = $("pacing-note");
  if (!pacing) {
    note.replaceChildren();
    return;
  }
  const T_ = T[lang];
  const pct = (x) => (x === null || x === undefined ? "—" : percent(x / 100));
  const est = pacing.estimates || {};
  const parts = [T_.pacing_mode(T_.pacing_modes[pacing.mode] || pacing.mode)];
  if (pacing.mode === "power" && est.ratio) parts.push(T_.pacing_ratio(number(est.ratio)));
  if (pacing.mode === "predictive") {
    parts.push(T_.pacing_target(pct(pacing.target_percent), pct(pacing.in_force_percent)));
    parts.push(T_.pacing_odds(pct(est.human_percent), number(est.talk_seconds)));
    parts.push(T_.pacing_rates(pct(est.window_rate_percent), pct(est.day_rate_percent)));
  }
  const lines = [el("span", parts.join(" · "))];
  if (est.guard) lines.push(el("strong", T_.pacing_guard, "warning"));
  else if (pacing.slowed) lines.push(el("strong", T_.pacing_slowed(moment(pacing.slowed_since)), "warning"));
  note.replaceChildren(...lines);
}

async function loadReports() {
  const name = encodeURIComponent(current.name);
  const [vouchers, outcomes, agents, why, tickets, followUps, transfers, informed] = await Promise.all([
    api(`/api/campaigns/${name}/reports/vouchers?limit=0&zone=${zone}`),
    api(`/api/campaigns/${name}/reports/outcomes`),
    api(`/api/campaigns/${name}/reports/agents`),
    api(`/api/campaigns/${name}/why-not`),
    api(`/api/campaigns/${name}/tickets?state=open`),
    api(`/api/campaigns/${name}/follow-ups?state=open`),
    api(`/api/campaigns/${name}/transfers`),
    api(`/api/campaigns/${name}/informed`),
  ]).catch((err) => {
    $("campaign-error").textContent = err.message;
    return [];
  });
  if (!vouchers) return;
  const funnel = FUNNEL.map((s) => [t("steps")[s], vouchers.totals[s]]);
  drawBars($("funnel"), funnel, t("chart_funnel"));
  chartTable("funnel-data", [t("step"), t("count")], funnel.map(([label, n]) => [label, number(n || 0)]));
  const median = vouchers.totals.median_hours_to_redemption;
  $("voucher-summary").textContent =
    `${t("rate")} ${percent(vouchers.totals.redemption_rate)} · ${t("median")}: ${median === null || median === undefined ? "—" : T[lang].hours(number(median))}`;
  drawDays(vouchers);
  const byCode = Object.entries(outcomes.outcomes.by_code).map(([code, n]) => [labelOf(vocabulary.outcomes, code), n]);
  drawBars($("outcome-chart"), byCode, t("chart_outcomes"));
  chartTable("outcome-data", [t("result"), t("count")], byCode.map(([label, n]) => [label, number(n)]));
  drawHours(outcomes.calls.by_local_hour);
  drawAgents(agents.agents, agents.pause_reasons);
  await loadLiveAgents();
  drawWhy(why);
  drawFlagged(vouchers.flagged.items);
  drawTickets(tickets);
  drawFollowUps(followUps);
  drawTransfers(transfers.transfers, informed.informed);
  await loadCustomers();
  markScrollers();
}

async function loadCustomers() {
  const name = encodeURIComponent(current.name);
  const body = await api(`/api/campaigns/${name}/reports/vouchers?limit=${CUSTOMERS_PAGE}&offset=${customersFrom}`);
  const c = body.customers;
  table("customers", [t("code"), t("customer"), t("state"), "WA", t("agent"), t("at"), t("actions")],
    c.items.map((v) => [v.code, `${v.name} (${v.indihome_number})`, t("voucher_state")[v.state] || v.state,
      v.wa_number, v.agent_name || v.agent, moment(v.redeemed_at || v.read_at || v.delivered_at || v.sent_at || v.issued_at), ""]));
  // A voucher still live may be sent again or voided (after the manager confirms).
  for (const [i, v] of c.items.entries()) {
    const row = $("customers").tBodies[0].rows[i];
    row.dataset.voucher = v.id;
    if (FINAL_VOUCHER.includes(v.state)) continue;
    const cell = row.cells[6];
    cell.className = "actions";
    cell.append(actionButton(t("resend"), "resend", () => resendVoucher(v)),
      " ", actionButton(t("void"), "void", () => voidVoucher(v)));
  }
  $("customers-page").textContent = c.total
    ? T[lang].page_of(number(c.offset + 1), number(c.offset + c.items.length), number(c.total)) : "";
  $("customers-prev").disabled = c.offset === 0;
  $("customers-next").disabled = c.offset + c.items.length >= c.total;
}

const FINAL_VOUCHER = ["redeemed", "expired", "lapsed", "voided"];

function actionButton(text, action, onclick) {
  const b = el("button", text);
  b.type = "button";
  b.dataset.action = action;
  b.onclick = onclick;
  return b;
}

// What an action on a voucher or a ticket did, or why it failed (in red).
function said(id, text, failed = false) {
  $(id).textContent = text;
  $(id).className = failed ? "error" : "ok";
}

async function resendVoucher(v) {
  try {
    await api(`/api/vouchers/${v.id}/resend`, { method: "POST", body: {} });
    said("customers-result", T[lang].resent(v));
    await loadCustomers();
  } catch (err) {
    said("customers-result", err.message, true);
  }
}

async function voidVoucher(v) {
  const reason = await confirmAction({
    title: t("void_title"), text: T[lang].void_text(v), ok: t("void_ok"), field: t("void_reason"),
    check: (value) => (value.length < 3 ? t("reason_short") : null),
  });
  if (reason === null) return;
  try {
    await api(`/api/vouchers/${v.id}/void`, { method: "POST", body: { reason } });
    said("customers-result", T[lang].voided(v));
    await loadReports();
  } catch (err) {
    said("customers-result", err.message, true);
  }
}

function moment(iso) {
  // A time as the manager reads it: the day and hour in the chosen zone, named.
  return waktu(iso, zone, lang);
}

function drawTickets(body) {
  $("tickets-summary").textContent = `${number(body.tickets.length)} ${t("open_tickets")}, ${number(body.overdue)} ${t("overdue_tickets")}`;
  table("tickets", [t("customer"), t("tier"), t("guide"), t("agent"), t("due"), "", t("actions")],
    body.tickets.map((k) => [`${k.customer_name} (${k.indihome_number})`, k.tier,
      k.existing_ref || `${k.guide}${k.category ? " — " + k.category : ""}`, k.agent_name || k.agent,
      k.due_at ? moment(k.due_at) : t("no_due"), k.overdue ? t("overdue") : "", ""]));
  // An open ticket is closed here, with a note of what was done.
  for (const [i, k] of body.tickets.entries()) {
    const row = $("tickets").tBodies[0].rows[i];
    row.dataset.ticket = k.id;
    if (k.overdue) row.classList.add("overdue");
    const note = el("input");
    note.className = "note";
    note.name = `note-${k.id}`;
    note.placeholder = t("ticket_note");
    note.setAttribute("aria-label", `${t("ticket_note")}: ${k.customer_name}`);
    const cell = row.cells[6];
    cell.className = "actions";
    cell.append(note, " ", actionButton(t("close_ticket"), "close", async () => {
      try {
        await api(`/api/tickets/${k.id}/close`, { method: "POST", body: { note: note.value } });
        said("tickets-result", T[lang].ticket_closed(k));
        await loadReports();
      } catch (err) {
        said("tickets-result", err.message, true);
      }
    }));
  }
}

function drawFollowUps(body) {
  $("follow-ups-summary").textContent =
    `${number(body.follow_ups.length)} ${t("open_follow_ups")}, ${number(body.overdue)} ${t("overdue_tickets")}`;
  const missing = (f) => [f.arrears_paid ? null : t("arrears_unpaid"), f.modem_returned ? null : t("modem_kept")]
    .filter(Boolean).join(", ");
  table("follow-ups", [t("customer"), t("missing"), t("agent"), t("due"), "", t("actions")],
    body.follow_ups.map((f) => [`${f.customer_name} (${f.indihome_number})`, missing(f), f.agent_name || f.agent,
      moment(f.due_at), f.overdue ? t("overdue") : "", ""]));
  for (const [i, f] of body.follow_ups.entries()) {
    const row = $("follow-ups").tBodies[0].rows[i];
    if (f.overdue) row.classList.add("overdue");
    const input = el("input");
    input.placeholder = t("resolution_prompt");
    input.name = `resolution-${f.id}`;
    input.setAttribute("aria-label", `${t("resolution_prompt")} ${f.customer_name}`);
    const button = el("button", t("close_follow_up"));
    button.type = "button";
    button.onclick = async () => {
      try {
        await api(`/api/follow-ups/${f.id}/close`, { method: "POST", body: { resolution: input.value } });
        await loadReports();
      } catch (err) {
        $("campaign-error").textContent = err.message;
      }
    };
    row.cells[5].append(input, button);
  }
}

// Seed 003: the calls transferred and the information given without a transfer, each
// with its category and the guide's log text, the latest first.
function drawTransfers(transfers, informed) {
  const rows = [
    ...transfers.map((x) => ({ at: x.requested_at, handled: T[lang].transfer_state(x), ...x })),
    ...informed.map((i) => ({ at: i.recorded_at, handled: t("informed"), ...i })),
  ].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  table("transfers", [t("at"), t("customer"), t("agent"), t("category"), t("handled"), t("log_text")],
    rows.map((r) => [moment(r.at), r.indihome_number, r.agent_name || r.agent, r.category, r.handled, r.log_text || ""]));
}

// An upload with its progress (fetch cannot report it), then what the server said.
function upload(form, url, bar) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    for (const [name, value] of Object.entries(apiHeaders())) xhr.setRequestHeader(name, value);
    xhr.responseType = "json";
    bar.hidden = false;
    bar.value = 0;
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; };
    xhr.onload = () => {
      bar.value = 100;
      const body = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body);
      const err = new Error((body && body.error && body.error.message) || `HTTP ${xhr.status}`);
      err.status = xhr.status;
      err.details = body && body.error ? body.error.details : null;
      reject(err);
    };
    xhr.onerror = () => reject(new Error(t("network_error")));
    xhr.send(new FormData(form));
  });
}

// An upload's result: its summary (red when refused), and its rejected lines in a
// table (at most 20; "… and N more"), the previous upload's cleared first.
function uploadSays(id, text, isError) {
  $(id).textContent = text;
  $(id).className = isError ? "error" : "muted";
}

function rejectedTable(id, header, rows, total) {
  const shown = rows.slice(0, 20);
  if (total > shown.length) shown.push(["", "", T[lang].more_rejected(total - shown.length)]);
  $(id).hidden = !shown.length;
  if (shown.length) table(id, header, shown);
}

// The rejected field named as the file names it (its own header), else the field.
const rejectedTargetRows = (items) =>
  items.map((x) => [x.line ?? "", x.column || x.field || "", x.message || x.reason || ""]);

$("targets-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  uploadSays("targets-result", "", false);
  rejectedTable("rejected", [], [], 0);
  $("rejected-csv").hidden = true;
  const header = [t("line"), t("field"), t("reason")];
  try {
    const r = await upload(e.target, `/api/campaigns/${encodeURIComponent(current.name)}/targets`, $("targets-progress"));
    uploadSays("targets-result", T[lang].imported(r), false);
    rejectedTable("rejected", header, rejectedTargetRows(r.rejected), r.rejected_rows);
    $("rejected-csv").hidden = !r.rejected_rows;
    $("rejected-csv").href = `/api/imports/${r.import_id}/rejected.csv`;
  } catch (err) {
    uploadSays("targets-result", err.message, true);
    // Rejected lines (every row refused) are listed; a header's problems are in the message.
    const details = (Array.isArray(err.details) ? err.details : []).filter((d) => d.line != null);
    rejectedTable("rejected", header, rejectedTargetRows(details), details.length);
  }
});

// The required columns, named as the template heads them in the page's language.
function describeColumns() {
  const headers = vocabulary.column_headers || [];
  $("targets-columns").textContent = (vocabulary.required_columns || [])
    .map((c) => labelOf(headers, c)).join(", ");
}

// The template's headers follow the page's language.
$("targets-template").addEventListener("click", () => {
  $("targets-template").href = `/api/targets/template.csv?lang=${lang}`;
});

$("customers-prev").addEventListener("click", () => {
  customersFrom = Math.max(0, customersFrom - CUSTOMERS_PAGE);
  loadCustomers();
});
$("customers-next").addEventListener("click", () => {
  customersFrom += CUSTOMERS_PAGE;
  loadCustomers();
});

$("dnc-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  try {
    const entry = await api("/api/dnc", { method: "POST", body: { msisdn: form.get("msisdn"), reason: form.get("reason") } });
    dncSays(T[lang].dnc_added(entry), false);
    e.target.reset();
    dncPages = [null]; // the newest first: the number just added on top
    await loadDnc();
  } catch (err) {
    dncSays(err.message, true);
  }
});

$("dnc-import").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    dncSays("", false);
    rejectedTable("dnc-rejected", [], [], 0);
    const r = await upload(e.target, "/api/dnc/import", $("dnc-progress"));
    dncSays(T[lang].dnc_imported(r), false);
    rejectedTable("dnc-rejected", dncRejectedHeader(), rejectedDncRows(r.rejected), r.rejected_rows);
    dncPages = [null];
    await loadDnc();
  } catch (err) {
    dncSays(err.message, true);
    const details = (Array.isArray(err.details) ? err.details : []).filter((d) => d.line != null);
    rejectedTable("dnc-rejected", dncRejectedHeader(), rejectedDncRows(details), details.length);
  }
});

// A DNC file's refused lines: the line, what it held, why.
const dncRejectedHeader = () => [t("line"), t("dnc_value"), t("reason")];
const rejectedDncRows = (items) => items.map((x) => [x.line ?? "", x.value ?? "", x.reason || x.message || ""]);

const rejectedCodeRows = (items) => items.map((x) => [x.line ?? "", x.code ?? "", x.reason || x.message || ""]);

$("codes-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  uploadSays("codes-result", "", false);
  rejectedTable("codes-rejected", [], [], 0);
  const header = [t("line"), t("code"), t("reason")];
  try {
    const r = await upload(e.target, `/api/campaigns/${encodeURIComponent(current.name)}/vouchers/import`, $("codes-progress"));
    uploadSays("codes-result", T[lang].codes_added(r), false);
    rejectedTable("codes-rejected", header, rejectedCodeRows(r.rejected), r.rejected_rows);
  } catch (err) {
    uploadSays("codes-result", err.message, true);
    const details = (Array.isArray(err.details) ? err.details : []).filter((d) => d.line != null);
    rejectedTable("codes-rejected", header, rejectedCodeRows(details), details.length);
  }
});

function table(id, header, rows) {
  const node = $(id);
  const head = el("tr");
  head.append(...header.map((h) => el("th", h)));
  node.tHead.replaceChildren(head);
  node.tBodies[0].replaceChildren(...(rows.length ? rows : [[t("nothing")]]).map((r) => {
    const tr = el("tr");
    tr.append(...r.map((v) => el("td", v)));
    return tr;
  }));
}

function drawDays(report) {
  const steps = Object.keys(T[lang].steps);
  table("days", [t("day"), ...steps.map((s) => t("steps")[s])],
    report.days.map((d) => [day(d.day), ...steps.map((s) => number(d[s]))]));
}

// The live agent board: who is talking and to whom, in wrap-up or on a break (with the
// reason when the service gives one), for how long (counted here each second from the
// service's clock), refreshed every BOARD_SECONDS; and the supervisor's controls: listen
// (muted), whisper (only the agent hears), barge in, leave — through the agent's conference.
let boardClock = { server: 0, local: 0 }; // the service's time at the last read, and ours then
let boardSeen = "";

function elapsed(since) {
  const now = boardClock.server + (Date.now() - boardClock.local);
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${h ? h + ":" + pad(m) : m}:${pad(seconds % 60)}`;
}

function tickBoard() {
  for (const cell of $("live-agents").querySelectorAll("td[data-since]")) cell.textContent = elapsed(cell.dataset.since);
}

async function loadLiveAgents() {
  const name = encodeURIComponent(current.name);
  const body = await api(`/api/campaigns/${name}/agents/live`);
  boardClock = { server: Date.parse(body.now) || Date.now(), local: Date.now() };
  const { agents } = body;
  // Drawn again only when something changed: a button under the pointer stays put.
  const seen = JSON.stringify(agents);
  if (seen === boardSeen && $("live-agents").tHead.rows.length) return tickBoard();
  boardSeen = seen;
  const head = el("tr");
  head.append(...[t("agent"), t("state"), t("customer"), t("duration"), t("phone"), t("monitor"), t("actions")].map((h) => el("th", h)));
  $("live-agents").tHead.replaceChildren(head);
  const counts = { on_call: 0, wrap_up: 0, paused: 0, available: 0 };
  const rows = agents.map((a) => {
    counts[a.state] = (counts[a.state] || 0) + 1;
    const tr = el("tr");
    tr.dataset.agent = a.user_id;
    tr.dataset.state = a.state;
    const mine = (a.monitors || []).find((m) => m.supervisor === me.username);
    const controls = el("td");
    for (const mode of ["listen", "whisper", "barge"]) {
      if (a.phone !== "connected" || (mine && mine.mode === mode)) continue;
      controls.append(actionButton(t(mode), mode, () => monitor(a.user_id, mode, mine)));
    }
    if (mine) controls.append(actionButton(t("leave"), "leave", () => leaveMonitor(mine)));
    let state = t("agent_states")[a.state] || a.state;
    // A break's reason, in the page's words (the service labels it).
    if (a.reason) state += ` — ${a.reason}`;
    if (a.on_hold) state += ` (${t("on_hold")})`;
    const customer = a.attempt_id
      ? [a.customer_name, a.indihome_number || a.customer_number].filter(Boolean).join(" · ") : "—";
    const timer = el("td", elapsed(a.since), "timer");
    timer.dataset.since = a.since;
    tr.append(
      el("td", a.display_name || a.username),
      el("td", state, `state ${a.state}`),
      el("td", customer, "customer"),
      timer,
      el("td", a.phone ? t("phone_states")[a.phone] || a.phone : "—"),
      el("td", (a.monitors || []).map((m) => t("monitored")(m)).join(", ") || "—"),
      controls,
    );
    return tr;
  });
  $("board-summary").textContent = T[lang].board_summary(counts);
  $("live-agents").tBodies[0].replaceChildren(...(rows.length ? rows : [el("tr")]));
  if (!rows.length) $("live-agents").tBodies[0].firstChild.append(el("td", t("nothing")));
  markScrollers();
}

// On Twilio the supervisor listens in this browser: the Voice SDK (served by the
// service) registers under the supervisor's identity and answers the service's call
// into the agent's conference. On the simulator it needs no token (409): nothing to do.
let supervisorPhone = null;

async function supervisorSoftphone() {
  if (supervisorPhone) return;
  let found;
  try {
    found = await api("/api/supervisor/token", { method: "POST" });
  } catch (err) {
    if (err.status === 409) return;
    throw err;
  }
  await loadVoiceSdk();
  const device = new window.Twilio.Device(found.token, { closeProtection: true });
  device.on("incoming", (call) => call.accept());
  device.on("tokenWillExpire", async () => {
    device.updateToken((await api("/api/supervisor/token", { method: "POST" })).token);
  });
  await device.register();
  supervisorPhone = device;
}

async function monitor(agentId, mode, mine) {
  $("monitor-error").textContent = "";
  try {
    await supervisorSoftphone();
    if (mine) {
      await api(`/api/supervisor/monitors/${mine.id}/mode`, { method: "POST", body: { mode } });
    } else {
      await api("/api/supervisor/monitors", { method: "POST", body: { agent_id: agentId, mode } });
    }
  } catch (err) {
    $("monitor-error").textContent = err.message;
  }
  boardSeen = "";
  await loadLiveAgents();
}

async function leaveMonitor(mine) {
  $("monitor-error").textContent = "";
  await api(`/api/supervisor/monitors/${mine.id}`, { method: "DELETE" }).catch((err) => {
    $("monitor-error").textContent = err.message;
  });
  boardSeen = "";
  await loadLiveAgents();
}

// Each agent's calls, time and results, and their breaks: minutes in all, then by the
// reason given (in the report's words), e.g. "12 (Makan 10, Rapat 2)".
function drawAgents(agents, reasons = {}) {
  const minutes = (seconds) => number(Math.round((seconds || 0) / 60));
  const breaks = (a) => {
    const by = Object.entries(a.paused_by_reason || {}).filter(([, s]) => s > 0)
      .map(([code, s]) => `${reasons[code] || code || t("no_reason")} ${minutes(s)}`);
    return by.length ? `${minutes(a.paused_seconds)} (${by.join(", ")})` : minutes(a.paused_seconds);
  };
  table("agents", [t("agent"), t("calls"), t("talk"), t("acw"), t("outcomes"), t("vouchers"), t("paused_min")],
    agents.map((a) => [a.name || a.display_name || a.username, number(a.calls), minutes(a.talk_seconds),
      minutes(a.after_call_work_seconds), number(a.outcomes), number(a.vouchers), breaks(a)]));
}

function drawFlagged(items) {
  table("flagged", [t("reference"), t("code"), t("result"), t("amount"), t("redeemed_at"), t("at")],
    items.map((f) => [f.reference, f.code, t("flag")[f.result] || f.result, rupiah(f.amount),
      moment(f.redeemed_at), moment(f.received_at)]));
}

// Why targets are not called now, in words: first "ready" against "dialable now" and each
// zone's calling window (the server says whether it is open, and until when), then the
// reasons of those still waiting, the finished targets apart.
function drawWhy(why) {
  const reasons = Object.entries(why.reasons || {}).filter(([, n]) => n);
  const words = (code) => {
    const said = (why.labels || {})[code] || t("reasons")[code] || code.replaceAll("_", " ");
    // Under "finished" the word "finished:" is said once, by the heading.
    return code.startsWith("done_") ? said.replace(/^[^:]+:\s*/, "") : said;
  };
  const rows = (list) => list.map(([code, n]) => {
    const tr = el("tr");
    tr.dataset.reason = code;
    tr.append(el("td", words(code)), el("td", number(n)));
    return tr;
  });
  const none = () => { const tr = el("tr"); tr.append(el("td", t("nothing"))); return [tr]; };
  const waiting = reasons.filter(([code]) => !code.startsWith("done_"));
  const finished = reasons.filter(([code]) => code.startsWith("done_"));
  $("why-not").tBodies[0].replaceChildren(...(waiting.length ? rows(waiting) : none()));
  $("why-done").tBodies[0].replaceChildren(...(finished.length ? rows(finished) : none()));
  const zones = Object.entries(why.zones || {});
  const ready = zones.reduce((sum, [, w]) => sum + (w.ready || 0), 0);
  $("readiness").textContent = T[lang].readiness(why.dialable_now ?? 0, ready);
  $("zones").replaceChildren(...zones.map(([z, w]) => {
    const li = el("li", T[lang].zone_line(z, w), w.open ? "open" : "closed");
    li.dataset.zone = z;
    return li;
  }));
}

// One number looked up: who it is, where, their local time, and whether they may be
// called now or every reason why not (GET /api/campaigns/{c}/targets/{number}/why).
$("lookup-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const out = $("lookup-result");
  const number_ = new FormData(e.target).get("number").trim();
  out.replaceChildren();
  try {
    const w = await api(`/api/campaigns/${encodeURIComponent(current.name)}/targets/${encodeURIComponent(number_)}/why`);
    const box = el("div", null, "lookup");
    box.append(el("strong", `${w.name} · ${w.indihome_number} · ${w.msisdn}`),
      el("div", `${w.tier} · ${w.province} · ${w.local_time} · ${t("target_states")[w.state] || w.state} · ${T[lang].attempts_of(w.attempts, w.max_attempts)}`));
    if (w.dialable) box.append(el("p", t("dialable"), "ok"));
    else {
      const list = el("ul");
      list.append(...w.reasons.map((r) => el("li", `${t("not_now")} — ${r.message}`)));
      box.append(list);
    }
    out.append(box);
  } catch (err) {
    out.append(el("p", err.message, "error"));
  }
});

function svgNode(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = String(text);
  return node;
}

// Horizontal bars, one a row: label, bar, value; each bar tells its figure on hover (its
// <title>), the chart is named for a screen reader, and a table beside it has the numbers.
function drawBars(svg, rows, name) {
  svg.replaceChildren();
  named(svg, name, rows.map(([label, value]) => `${label} ${number(value || 0)}`).join(", "));
  const width = svg.clientWidth || 500;
  const height = Math.max(rows.length * 26 + 10, 40);
  svg.setAttribute("height", height);
  const max = Math.max(1, ...rows.map(([, v]) => v || 0));
  // The labels' column as wide as the longest label needs (about 6.5 px a letter at 12 px),
  // at most 45 % of the chart: a long outcome's name is not cut off.
  const left = Math.min(width * 0.45, Math.max(60, ...rows.map(([label]) => String(label).length * 6.5 + 10)));
  rows.forEach(([label, value], i) => {
    const y = 8 + i * 26;
    const w = Math.max(1, ((value || 0) / max) * (width - left - 70));
    svg.append(svgNode("text", { x: 0, y: y + 14, class: "chart-label" }, label));
    const bar = svgNode("rect", { x: left, y, width: w, height: 18, class: "bar" });
    bar.append(svgNode("title", {}, `${label}: ${number(value || 0)}`));
    svg.append(bar);
    svg.append(svgNode("text", { x: left + w + 6, y: y + 14, class: "chart-value" }, number(value || 0)));
  });
}

function named(svg, name, figures) {
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", T[lang].chart_of(name, figures || t("nothing")));
}

// A chart's numbers as a table (under "Chart figures"), for who cannot read the bars.
function chartTable(id, header, rows) {
  table(id, header, rows);
}

// Calls and contacts for each hour of the customer's day, side by side, with the count's
// scale on the left, the hours below, and each hour's figures on hover.
function drawHours(hours) {
  const svg = $("hour-chart");
  svg.replaceChildren();
  const width = svg.clientWidth || 500;
  const height = 240;
  const left = 34;
  const byHour = new Map(hours.map((h) => [h.hour, h]));
  const max = Math.max(1, ...hours.map((h) => h.calls));
  const step = (width - left - 5) / 24;
  const plot = height - 40;
  for (const tick of [0, 0.5, 1]) {
    const value = Math.round(max * tick);
    const y = height - 20 - (value / max) * plot;
    svg.append(svgNode("line", { x1: left - 4, x2: width, y1: y, y2: y, class: "axis" }));
    svg.append(svgNode("text", { x: left - 6, y: y + 4, "text-anchor": "end", class: "chart-value" }, number(value)));
  }
  const rows = [];
  for (let hour = 0; hour < 24; hour++) {
    const h = byHour.get(hour) || { calls: 0, contacted: 0 };
    const x = left + hour * step;
    const callsH = (h.calls / max) * plot;
    const contactsH = (h.contacted / max) * plot;
    const tip = T[lang].hour_tip(hour, h.calls, h.contacted);
    const group = svgNode("g", { class: "hour" });
    group.append(svgNode("title", {}, tip),
      svgNode("rect", { x, y: height - 20 - plot, width: step, height: plot, fill: "transparent" }),
      svgNode("rect", { x, y: height - 20 - callsH, width: step * 0.45, height: callsH, class: "bar calls" }),
      svgNode("rect", { x: x + step * 0.45, y: height - 20 - contactsH, width: step * 0.45, height: contactsH, class: "bar contacts" }));
    svg.append(group);
    if (hour % 3 === 0) svg.append(svgNode("text", { x, y: height - 4, class: "chart-label" }, jam(`${pad(hour)}:00`, lang)));
    if (h.calls || h.contacted) rows.push([jam(`${pad(hour)}:00`, lang), number(h.calls), number(h.contacted)]);
  }
  svg.append(svgNode("text", { x: width - 160, y: 14, class: "chart-label calls" }, `■ ${t("calls")}`));
  svg.append(svgNode("text", { x: width - 80, y: 14, class: "chart-label contacts" }, `■ ${t("contacts")}`));
  named(svg, t("chart_hours"), rows.map(([hour, c, k]) => `${hour} ${c}/${k}`).join(", "));
  chartTable("hour-data", [t("hour"), t("calls"), t("contacts")], rows);
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  try {
    await api("/api/auth/login", { method: "POST", body: { username: form.get("username"), password: form.get("password") } });
    $("login-error").textContent = "";
    boot();
  } catch (err) {
    $("login-error").textContent = err.message;
  }
});
$("logout").addEventListener("click", async () => {
  stopWatching();
  await api("/api/auth/logout", { method: "POST" }).catch(() => null);
  show("login");
});
$("back").addEventListener("click", (e) => { e.preventDefault(); location.hash = ""; });
for (const action of ["start", "pause", "finish"]) $(action).addEventListener("click", () => act(action));
window.addEventListener("hashchange", route);
boot();

$("zone").value = zone;
$("zone").addEventListener("change", async () => {
  zone = $("zone").value;
  localStorage.setItem("dialer.zone", zone);
  if (!current) return;
  const base = `/api/campaigns/${encodeURIComponent(current.name)}/reports/vouchers`;
  $("dl-days").href = `${base}.csv?table=days&zone=${zone}`;
  $("dl-xlsx").href = `${base}.xlsx?zone=${zone}&lang=${lang}`;
  await loadReports();
});
