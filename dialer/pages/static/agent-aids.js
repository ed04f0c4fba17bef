// The agent console's aids on a busy floor (loaded before agent.js, whose globals —
// call, vocabulary, t() — they use when called): the draft of the outcome kept across
// a reload, the new-call alert (a beep and the title) with its remembered mute, the
// keyboard shortcuts, and one error per field beside the field.
"use strict";

// ---------------------------------------------------------------- the draft

// What the agent typed for a call, kept in this browser under the call's attempt id
// until the outcome is saved or the call is gone: a reload brings it back.
const DRAFT = "dialer.agent.draft.";
let restoring = false; // the draft going back into the form is not a new draft

function draftKey(attemptId) {
  return DRAFT + attemptId;
}

function saveDraft() {
  if (!call || restoring) return;
  const form = $("outcome-form");
  if ([...form.elements].some((input) => input.disabled)) return; // saved already
  const values = [];
  for (const input of form.elements) {
    if (!input.name || input.type === "submit" || input.type === "button") continue;
    if ((input.type === "checkbox" || input.type === "radio") && !input.checked) continue;
    values.push([input.name, input.value]);
  }
  const draft = {
    values,
    open: ["act-claim", "act-cancel", "closure"].filter((id) => !$(id).hidden),
    tickets: [...$("act-tickets").children].map((box) => box.dataset.ticket),
  };
  try {
    localStorage.setItem(draftKey(call.attempt_id), JSON.stringify(draft));
  } catch (err) {
    // A full or forbidden storage: the draft is a help, not a duty.
  }
}

function dropDraft(attemptId) {
  try {
    localStorage.removeItem(draftKey(attemptId));
  } catch (err) {
    // nothing kept
  }
}

function readDraft(attemptId) {
  try {
    return JSON.parse(localStorage.getItem(draftKey(attemptId)) || "null");
  } catch (err) {
    return null;
  }
}

// The call's draft back in the form, after the form was reset for the call. Fields that
// appear with a choice (the outcome's details, a ticket's guide) are filled in passes:
// each choice is set and announced, then the fields it brought are filled.
function restoreDraft(attemptId) {
  // Drafts of other calls are of calls gone: this browser forgets them.
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith(DRAFT) && key !== draftKey(attemptId)) localStorage.removeItem(key);
  }
  const draft = readDraft(attemptId);
  if (!draft) return;
  const form = $("outcome-form");
  restoring = true;
  try {
    fillDraft(form, draft);
  } finally {
    restoring = false;
  }
}

function fillDraft(form, draft) {
  for (const id of draft.open || []) $(id).hidden = false;
  for (let i = 0; i < (draft.tickets || []).length; i += 1) addTicket();
  const done = new Set();
  for (let pass = 0; pass < 4; pass += 1) {
    draft.values.forEach(([name, value], i) => {
      if (done.has(i)) return;
      const found = form.elements[name];
      if (!found) return;
      const inputs = found instanceof RadioNodeList ? [...found] : [found];
      for (const input of inputs) {
        if (input.type === "checkbox" || input.type === "radio") {
          if (input.value === value) input.checked = true;
        } else {
          input.value = value;
          input.dispatchEvent(new Event("change"));
        }
      }
      done.add(i);
    });
  }
  if (form.elements.address_valid.value === "false") $("new-address-label").hidden = false;
}

// ------------------------------------------------------------ the new-call alert

const SOUND = "dialer.agent.sound";
const ALERTED = "dialer.agent.alerted"; // the last call alerted, in this browser
let titleFlash = null;
let audio = null;

function soundOn() {
  try {
    return localStorage.getItem(SOUND) !== "off";
  } catch (err) {
    return true;
  }
}

function renderSound() {
  const on = soundOn();
  const button = $("sound");
  button.textContent = t(on ? "sound_on" : "sound_off");
  button.setAttribute("aria-pressed", String(on));
}

function toggleSound() {
  try {
    localStorage.setItem(SOUND, soundOn() ? "off" : "on");
  } catch (err) {
    // not remembered, then
  }
  renderSound();
}

// A call the agent has not been alerted to: a short beep (WebAudio, no file) unless
// muted, and the title saying so until the agent touches the page. A reload (or another
// tab) that restores the same call is not a new call.
function alertNewCall(attemptId) {
  try {
    if (localStorage.getItem(ALERTED) === String(attemptId)) return;
    localStorage.setItem(ALERTED, String(attemptId));
  } catch (err) {
    // Not remembered: a reload alerts again, better than never.
  }
  if (soundOn()) beep();
  startTitleAlert();
}

function beep() {
  document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
  try {
    audio = audio || new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.4);
  } catch (err) {
    // No audio device: the title still says it.
  }
}

function startTitleAlert() {
  stopTitleAlert();
  let lit = true;
  const show = () => {
    document.title = `${lit ? "●" : "○"} ${t("new_call")} — ${t("title")}`;
    lit = !lit;
  };
  show();
  titleFlash = setInterval(show, 1000);
}

function stopTitleAlert() {
  if (titleFlash === null) return;
  clearInterval(titleFlash);
  titleFlash = null;
  document.title = `${t("title")} — Dialer`;
}

// -------------------------------------------------------------- the shortcuts

function typing(target) {
  if (!target || !target.tagName) return false;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.isContentEditable;
}

function focusOutcome() {
  $("code").scrollIntoView({ block: "nearest" });
  $("code").focus();
}

// 1–9 and 0 choose the outcomes in the form's order, H goes to the outcome: only on a
// call whose outcome is still open, and never while the agent types in a field.
function shortcut(event) {
  if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) return;
  if (!call || $("call").hidden || $("code").disabled) return;
  const key = event.key.toUpperCase();
  if (key === "H") {
    event.preventDefault();
    focusOutcome();
    return;
  }
  const index = SHORTCUTS.indexOf(key);
  const outcome = vocabulary.outcomes[index];
  if (index < 0 || !outcome) return;
  event.preventDefault();
  $("code").value = outcome.code;
  renderDetails();
  saveDraft();
  focusOutcome();
}

// ------------------------------------------------------- one error per field

// The server names a field by its key; the page shows the field's own label.
function labelText(input) {
  const label = input.closest("label");
  if (!label) return input.name;
  const copy = label.cloneNode(true);
  for (const inner of copy.querySelectorAll("input, select, textarea, datalist, .field-error")) inner.remove();
  return copy.textContent.replace(/\s+/g, " ").trim() || input.name;
}

// An outcome's code in a reason reads as its label.
function readable(reason) {
  let text = String(reason);
  for (const { code, label } of vocabulary.outcomes) text = text.split(code).join(`“${label}”`);
  return text;
}

function clearProblems() {
  $("outcome-error").textContent = "";
  $("outcome-problems").replaceChildren();
  for (const node of $("outcome-form").querySelectorAll(".field-error")) node.remove();
  for (const input of $("outcome-form").querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
}

// The form's rules across fields come as one problem of the whole form ("(body)"):
// "Value error, channel: …; wa_number: …". Each "key: reason" of a field on the form
// becomes that field's problem.
function fieldProblems(details, form) {
  const found = [];
  for (const d of details) {
    if (d.field && d.field !== "(body)") {
      found.push(d);
      continue;
    }
    const text = String(d.reason).replace(/^[^:;]*?,\s*/, ""); // pydantic's "Value error, "
    for (const part of text.split(/;\s*/)) {
      const match = /^([a-z_]+): (.+)$/.exec(part);
      if (match && form.elements[match[1]]) found.push({ field: match[1], reason: match[2] });
      else found.push({ field: "(body)", reason: part });
    }
  }
  return found;
}

// Each problem once: beside its field (outlined, described by it), or, for a rule of
// the whole form, in the list under the form; the general message only when no field
// says more.
function showProblems(err) {
  clearProblems();
  const form = $("outcome-form");
  let first = null;
  let beside = 0;
  for (const d of fieldProblems(err.details || [], form)) {
    const found = d.field && d.field !== "(body)" ? form.elements[d.field] : null;
    const input = found instanceof RadioNodeList ? found[0] : found;
    if (!input || !input.closest("label")) {
      $("outcome-problems").append(el("li", readable(d.reason)));
      continue;
    }
    const id = `error-${input.name}`;
    if ($(id)) continue; // one message per field
    const message = el("span", `${labelText(input)}: ${readable(d.reason)}`, "field-error");
    message.id = id;
    input.closest("label").append(message);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", id);
    beside += 1;
    first = first || input;
  }
  $("outcome-error").textContent = beside ? t("fix_fields") : err.message;
  if (first) first.focus();
}
