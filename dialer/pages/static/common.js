// What both pages use: the page's language, an element by id, an element with text
// (never HTML), the JSON API with the session cookie and its CSRF token (an error
// carries the server's message, in the page's language, with its status and details),
// and amounts, days and times as Indonesians write them.
"use strict";

// The page's language: ?lang=id|en when given (then sent with every call, so the
// server's errors come in it too), else the one the server answers in (its
// Content-Language: DIALER_UI__LANGUAGE, Indonesian by default).
const LANGUAGES = ["id", "en"];
const askedLang = new URLSearchParams(location.search).get("lang");
let lang = LANGUAGES.includes(askedLang) ? askedLang : "id";

// The headers every call to the API carries: the page's language when asked, and the
// session's CSRF token (the dialer_csrf cookie login set), without which the server
// refuses a POST, PUT or DELETE sent with the session cookie.
function apiHeaders() {
  const headers = LANGUAGES.includes(askedLang) ? { "X-Dialer-Language": askedLang } : {};
  const csrf = document.cookie.split("; ").find((c) => c.startsWith("dialer_csrf="));
  if (csrf) headers["X-CSRF-Token"] = decodeURIComponent(csrf.slice("dialer_csrf=".length));
  return headers;
}

// Follows the server's language unless the page was asked for one.
function servedIn(resp) {
  const served = resp.headers.get("Content-Language");
  if (!LANGUAGES.includes(askedLang) && LANGUAGES.includes(served)) lang = served;
}

const $ = (id) => document.getElementById(id);

// What a page says when the server cannot be reached at all (no answer to show).
const UNREACHABLE = {
  id: "server tidak dapat dihubungi; periksa jaringan lalu coba lagi",
  en: "the server cannot be reached; check the network and try again",
};

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

async function api(path, options = {}) {
  const init = { credentials: "same-origin", headers: apiHeaders(), ...options };
  if (init.body && typeof init.body !== "string") {
    init.body = JSON.stringify(init.body);
    init.headers["Content-Type"] = "application/json";
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (cause) {
    // The server out of reach (the login form's first call, most often): said in the
    // page's language, not the browser's "Failed to fetch".
    const err = new Error(UNREACHABLE[lang] || UNREACHABLE.id);
    err.status = 0;
    err.cause = cause;
    throw err;
  }
  servedIn(resp);
  const body = await resp.json().catch(() => null);
  if (!resp.ok) {
    const err = new Error((body && body.error && body.error.message) || `HTTP ${resp.status}`);
    err.status = resp.status;
    err.details = body && body.error ? body.error.details : null;
    throw err;
  }
  return body;
}

// Indonesia's zones are whole hours from UTC, with no summer time.
const ZONE_HOURS = { WIB: 7, WITA: 8, WIT: 9 };
const BULAN = {
  id: ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
    "September", "Oktober", "November", "Desember"],
  en: ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"],
};

// 1250000 → "Rp 1.250.000" (whatever the browser's locale).
function rupiah(n) {
  if (n === null || n === undefined || n === "") return "—";
  if (!Number.isFinite(Number(n))) return String(n);
  const whole = BigInt(Math.round(Number(n))).toString();
  const sign = whole.startsWith("-") ? "-" : "";
  return `${sign}Rp ${whole.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;
}

// "2022-09-05" (or a timestamp's date part) → "5 September 2022".
function tanggal(iso, lang) {
  if (!iso) return "—";
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso));
  if (!match) return String(iso);
  const [y, m, d] = match.slice(1).map(Number);
  return `${d} ${BULAN[lang === "en" ? "en" : "id"][m - 1]} ${y}`;
}

// A time of day, "23:59" as the page's language writes it: "23.59" in Indonesian.
function jam(hm, lang) {
  return lang === "en" ? hm : hm.replace(":", ".");
}

// An instant in a zone, the zone named: "5 September 2022 09.30 WIB" (Indonesian
// writes the hour with a dot), "5 September 2022 09:30 WIB" in English.
function waktu(iso, zone, lang) {
  if (!iso) return "—";
  const named = zone in ZONE_HOURS ? zone : "WIB";
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) return String(iso);
  const at = new Date(instant + ZONE_HOURS[named] * 3600 * 1000).toISOString();
  const hm = at.slice(11, 16);
  return `${tanggal(at, lang)} ${jam(hm, lang)} ${named}`;
}

// Twilio's Voice SDK, served by the service (no CDN), loaded when a softphone needs it.
function loadVoiceSdk() {
  if (window.Twilio) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const tag = document.createElement("script");
    tag.src = "/static/vendor/twilio-voice-sdk.min.js";
    tag.onload = resolve;
    tag.onerror = () => reject(new Error(tag.src));
    document.head.append(tag);
  });
}
