// The student's page: join with the code and a nickname, then show the seat's card for the
// open year (polled every 1.5 s), submit the decision, and say when the year has closed.
// Polls overlap and may answer out of order (slow Wi-Fi): an answer older than the one on
// screen is dropped (pollOrder). Every text from the server is set as text (never as HTML).
"use strict";

const TOKEN_KEY = "alliance-sim-class-token";
const POLL_MS = 1500;
const HIDDEN_KEYS = new Set(["move", "key", "id"]); // codes, not words, when a label says it
let token = localStorage.getItem(TOKEN_KEY);
let shownTurn = null; // the turn of the card on screen
let controls = []; // the controls of the card on screen
let timer = null;
let closedNote = ""; // "Year n closed. " once the teacher has moved on from the card shown
const polls = pollOrder();

function showError(message) {
  const box = byId("error");
  box.textContent = message || "";
  box.hidden = !message;
}

function setStatus(text, kind) {
  const box = byId("status");
  box.textContent = text;
  box.className = kind || "";
}

function api(path, body) {
  return callApi(path, body, token ? { "X-Student-Token": token } : {});
}

function showJoin(message) {
  if (timer) { clearInterval(timer); timer = null; }
  polls.forget(); // a new session starts at turn 1: the polls sent so far are dropped
  byId("play").hidden = true;
  byId("join").hidden = false;
  const code = new URLSearchParams(location.search).get("code");
  if (code && !byId("code").value) byId("code").value = code;
  showError(message);
}

async function join(event) {
  event.preventDefault();
  const button = byId("join-button");
  button.disabled = true;
  try {
    const answer = await api("/api/join", {
      code: byId("code").value.trim(), nickname: byId("nickname").value.trim(),
    });
    if (!answer.ok) { showError(answer.data.error); return; }
    token = answer.data.token;
    localStorage.setItem(TOKEN_KEY, token);
    showError("");
    startPlay();
  } catch (e) {
    showError("No connection to the teacher's computer; check the address and try again.");
  } finally {
    button.disabled = false;
  }
}

function startPlay() {
  byId("join").hidden = true;
  byId("play").hidden = false;
  poll();
  if (!timer) timer = setInterval(poll, POLL_MS);
}

async function poll() {
  const number = polls.take();
  let answer;
  try {
    answer = await api("/api/me");
  } catch (e) {
    setStatus("Connection lost; retrying...", "closed");
    return;
  }
  if (answer.status === 403 && polls.isLatest(number)) { // not sent before a newer answer
    token = null;
    localStorage.removeItem(TOKEN_KEY);
    showJoin(answer.data.error);
    return;
  }
  if (answer.ok && polls.accept(answer.data.turn, number)) render(answer.data);
}

function cap(text) { return text.charAt(0).toUpperCase() + text.slice(1); }

function render(view) {
  const turn = view.turn_name || "year";
  byId("heading").textContent = view.title;
  byId("who").textContent =
    `${view.nickname} · ${view.seat_name} · ` +
    `${turn} ${Math.min(view.turn, view.turns)} of ${view.turns}`;
  const card = byId("card");
  if (view.state === "ended") {
    card.hidden = true;
    shownTurn = null;
    setStatus("The session is over. Thank you for playing!", "done");
    return;
  }
  if (view.state === "closing") {
    card.hidden = true;
    setStatus(`${cap(turn)} ${view.turn} is closed: the teacher is resolving it.`, "closed");
    return;
  }
  if (shownTurn !== view.turn) {
    const previous = shownTurn;
    renderCard(view.card);
    shownTurn = view.turn;
    closedNote = previous !== null ? `${cap(turn)} ${previous} closed. ` : "";
    if (previous !== null) showError("");
    if (view.submission) fill(view.submission);
  }
  card.hidden = false;
  if (view.state === "submitted") {
    setStatus("Submitted, waiting for the teacher. " +
      `You may change it until ${turn} ${view.turn} closes.`, "done");
    byId("submit-button").textContent = "Submit again";
  } else {
    setStatus(`${closedNote}${cap(turn)} ${view.turn} is open: choose, then submit.`, "");
    byId("submit-button").textContent = "Submit";
  }
}

function renderCard(card) {
  byId("card-title").textContent = card.title;
  const lines = byId("card-lines");
  lines.replaceChildren(...card.lines.map((line) => element("p", line)));
  byId("card-options").replaceChildren(optionsTable(card.options || []));
  controls = card.controls;
  byId("card-controls").replaceChildren(...controls.map(renderControl));
}

function percent(value) {
  // A probability as a percentage: 1 -> "100 %", 0.005 -> "0.5 %".
  return `${Number((100 * Number(value)).toFixed(1))} %`;
}

function sentence(text) {
  // A phrase as a sentence: a capital first, a full stop last.
  const t = String(text).trim();
  return cap(t) + (/[.!?]$/.test(t) ? "" : ".");
}

// Words for the options' known fields; any other field shows as its name (underscores as
// spaces) and its value.
const OPTION_WORDS = {
  gain_pct_gdp: (v) => `Gain: ${v} % of GDP a year (net of the cost of the change)`,
  why: (v) => sentence(v),
  agent_probability: (v) => `An agent in your seat would choose it with probability ${percent(v)}`,
};

function optionsTable(rows) {
  // What each move gains, one block per move (a wide table would not fit a phone): the move's
  // label (else its first field) as the heading, then the other fields in words; beside a
  // label, the move's code (move, key, id) is not shown.
  const list = element("div", null, { class: "options" });
  for (const row of rows) {
    const labelled = row.label !== undefined && row.label !== null;
    const entries = Object.entries(row).filter(([key, value]) => key !== "label" &&
      !(labelled && HIDDEN_KEYS.has(key)) && value !== null && value !== "");
    let heading = row.label;
    if (!labelled) {
      const first = entries.shift();
      heading = first ? `${first[0].replaceAll("_", " ")}: ${first[1]}` : "";
    }
    const block = element("div", null, { class: "option-card" });
    block.append(element("p", heading, { class: "option-title" }));
    const known = Object.keys(OPTION_WORDS);
    const rank = ([key]) => (known.includes(key) ? known.indexOf(key) : known.length);
    entries.sort((x, y) => rank(x) - rank(y)); // the gain, why, the agent's odds, the rest
    for (const [key, value] of entries) {
      const words = OPTION_WORDS[key];
      block.append(element("p", words ? words(value) : `${key.replaceAll("_", " ")}: ${value}`));
    }
    list.append(block);
  }
  return list;
}

function renderControl(control) {
  if (control.kind === "number") {
    const box = element("div");
    box.append(element("label", control.label, { for: `ctl-${control.name}` }));
    const row = element("div", null, { class: "number-row" });
    const limits = { min: control.low, max: control.high, step: control.step || "any" };
    const range = element("input", null, { type: "range", ...limits, "aria-label": control.label });
    const number = element("input", null, { type: "number", id: `ctl-${control.name}`,
      inputmode: "decimal", ...limits });
    range.value = number.value = control.default ?? control.low;
    range.addEventListener("input", () => { number.value = range.value; });
    number.addEventListener("input", () => { range.value = number.value; });
    row.append(range, number, element("span", control.unit || ""));
    box.append(row);
    return box;
  }
  const box = element("fieldset", null, { id: `ctl-${control.name}` });
  box.append(element("legend", control.label));
  const multi = control.kind === "multi";
  const chosen = multi ? (control.default || []) : [control.default];
  control.options.forEach(([value, label], i) => {
    const id = `ctl-${control.name}-${i}`;
    const row = element("div", null, { class: "option" });
    const input = element("input", null, { type: multi ? "checkbox" : "radio",
      name: control.name, value, id });
    input.checked = chosen.includes(value);
    row.append(input, element("label", label, { for: id }));
    box.append(row);
  });
  return box;
}

function fill(decision) {
  for (const control of controls) {
    const value = decision[control.name];
    if (value === undefined) continue;
    if (control.kind === "number") {
      byId(`ctl-${control.name}`).value = value;
      continue;
    }
    const chosen = Array.isArray(value) ? value : [value];
    document.querySelectorAll(`input[name="${CSS.escape(control.name)}"]`)
      .forEach((input) => { input.checked = chosen.includes(input.value); });
  }
}

function collect() {
  const decision = {};
  for (const control of controls) {
    if (control.kind === "number") {
      const text = byId(`ctl-${control.name}`).value;
      decision[control.name] = text === "" ? null : Number(text);
      continue;
    }
    const checked = [...document.querySelectorAll(
      `input[name="${CSS.escape(control.name)}"]:checked`)].map((input) => input.value);
    decision[control.name] = control.kind === "multi" ? checked : (checked[0] ?? null);
  }
  return decision;
}

async function submitCard(event) {
  event.preventDefault();
  const button = byId("submit-button");
  button.disabled = true;
  try {
    const answer = await api("/api/submit", { turn: shownTurn, decision: collect() });
    if (!answer.ok) {
      showError(answer.data.error);
    } else {
      showError(""); // the answer holds no state: the poll after it draws it, by the same rule
      await poll();
    }
  } catch (e) {
    showError("Not sent: no connection to the teacher's computer. Try again.");
  } finally {
    button.disabled = false;
  }
}

byId("join").addEventListener("submit", join);
byId("card").addEventListener("submit", submitCard);
if (token) startPlay(); else showJoin("");
