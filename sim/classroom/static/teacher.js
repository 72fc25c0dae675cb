// The teacher's dashboard: polls the session every second and draws who has submitted, the
// timer and the board (network, bars, events) from the game's data. Sizes are in CSS pixels
// for a 1920x1080 projector; the network's SVG uses one unit per pixel so that its labels are
// as tall as their font size says. Polls overlap and may answer out of order: an answer older
// than the one on screen is dropped (pollOrder). Every text from the server is set as text.
"use strict";

const POLL_MS = 1000;
const SVG = "http://www.w3.org/2000/svg";
const NODE_RADIUS = 26;
const LABEL_PX = 26;
const EDGE_LABEL_PX = 22;
const LABEL_GAP = 3; // px added on every side of a label's box when checking overlaps (outline 2.5)
const PALETTE = ["#1f4e9c", "#b00020", "#2e7d32", "#8e24aa", "#d98c00", "#00838f"];
let lastBoard = "";
let board = null;
const polls = pollOrder();

function svgElement(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = String(text);
  return node;
}

// The teacher's key travels in the session's cookie, set when the address the command printed
// was opened (the server then sent the browser on to /teacher, without the key in the address).
function api(path, body) { return callApi(path, body, {}); }

function say(message) { byId("message").textContent = message || ""; }

async function loadJoin() {
  const answer = await api("/api/teacher/join");
  if (!answer.ok) { say(answer.data.error); return; }
  byId("join-code").textContent = answer.data.code;
  byId("join-url").textContent = answer.data.url;
  // The QR code is SVG that segno drew on the server from the session's own address.
  byId("qr").innerHTML = answer.data.qr_svg;
}

async function poll() {
  const number = polls.take();
  let answer;
  try { answer = await api("/api/teacher/status"); } catch (e) {
    say("No answer from the session's server (was it stopped?)");
    return;
  }
  if (!answer.ok) { say(answer.data.error); return; }
  if (polls.accept(answer.data.turn, number)) render(answer.data);
}

function render(status) {
  byId("title").textContent = status.title;
  const ended = status.state === "ended";
  const turn = status.turn_name || "year";
  byId("turn").textContent = ended ? `All ${status.turns} ${turn}s played` :
    `${turn.charAt(0).toUpperCase() + turn.slice(1)} ${status.turn} of ${status.turns}` +
    (status.state === "closing" ? " (closing...)" : "");
  byId("advance").textContent = `Advance the ${turn}`;
  byId("events-title").textContent = `This ${turn}'s events`;
  // Once every turn is played there is nothing to submit, time or advance: the panel says so
  // and keeps only the debrief's link.
  byId("submitted").textContent = ended ? "Session over" :
    `${status.submitted}/${status.students} submitted`;
  byId("missing").textContent = ended ? "" : status.missing.length ?
    `Waiting for: ${status.missing.join(", ")}` : (status.students ? "Everyone has submitted." :
      "Nobody has joined yet.");
  byId("timer-form").hidden = ended;
  byId("advance").hidden = ended;
  const timer = byId("timer");
  const left = status.timer.remaining;
  if (left === null || ended) {
    timer.textContent = "";
    timer.className = "";
  } else if (left > 0) {
    timer.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} left`;
    timer.className = "";
  } else {
    timer.textContent = "Time is up: advance when ready";
    timer.className = "up";
  }
  byId("advance").disabled = status.state !== "open";
  byId("debrief").hidden = !status.played;
  byId("debrief-link").textContent = ended ? "Open the debrief" : "Open the debrief so far";
  const text = JSON.stringify(status.board);
  if (text !== lastBoard) {
    lastBoard = text;
    board = status.board;
    drawBoard();
  }
}

function drawBoard() {
  if (!board) return;
  byId("headline").textContent = board.headline || "";
  byId("lines").replaceChildren(...(board.lines || []).map((line) => element("p", line)));
  byId("events").replaceChildren(...(board.events || []).map((e) => element("li", e)));
  byId("events-box").hidden = !(board.events || []).length;
  byId("board-body").classList.toggle("no-network", !(board.nodes || []).length);
  drawNetwork(board.nodes || [], board.edges || []);
  drawBars(board.bars || []);
  drawTable(board.table);
}

function groupColour(group, groups) {
  if (!group) return "#777";
  return PALETTE[groups.indexOf(group) % PALETTE.length];
}

function overlaps(a, b, pad) {
  // Whether two boxes come closer than 2 * pad (pad: room for the labels' white outline).
  const p = pad || 0;
  return a.x - p < b.x + b.width + p && b.x - p < a.x + a.width + p &&
    a.y - p < b.y + b.height + p && b.y - p < a.y + a.height + p;
}

function overlapArea(a, b) {
  // The area two boxes share (0 when they are apart).
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function placeLabel(label, a, b, taken, size) {
  // An edge's label at the first place where its box, with room for its outline, meets no
  // node, node label or edge label drawn so far and stays inside the drawing: along the tie
  // at 50 %, 35 %, 65 % (then 42, 58, 28, 72 %), on the line first, then beside it. Ties
  // formed after the board's positions were fixed may cross, with their middles close. If no
  // place is free, the one that overlaps least.
  const length = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  const normal = { x: -(b.y - a.y) / length, y: (b.x - a.x) / length };
  const step = EDGE_LABEL_PX + 2 * LABEL_GAP;
  let best = null;
  for (const offset of [0, step, -step, 2 * step, -2 * step]) {
    for (const t of [0.5, 0.35, 0.65, 0.42, 0.58, 0.28, 0.72]) {
      const x = a.x + t * (b.x - a.x) + offset * normal.x;
      const y = a.y + t * (b.y - a.y) + offset * normal.y;
      label.setAttribute("x", x);
      label.setAttribute("y", y);
      const box = label.getBBox();
      const inside = box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width &&
        box.y + box.height <= size.height;
      if (inside && !taken.some((other) => overlaps(box, other, LABEL_GAP))) {
        taken.push(box);
        return;
      }
      const cost = taken.reduce((sum, other) => sum + overlapArea(box, other), 0) +
        (inside ? 0 : 1e6);
      if (best === null || cost < best.cost) best = { x, y, cost };
    }
  }
  label.setAttribute("x", best.x);
  label.setAttribute("y", best.y);
  taken.push(label.getBBox());
}

function drawNetwork(nodes, edges) {
  const svg = byId("network");
  byId("network-box").hidden = !nodes.length;
  if (!nodes.length) { svg.replaceChildren(); return; }
  const width = svg.clientWidth || 800;
  const height = svg.clientHeight || 600;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const margin = { x: 110, y: NODE_RADIUS + LABEL_PX + 16 };
  const place = {};
  for (const n of nodes) {
    place[n.id] = { x: margin.x + n.x * (width - 2 * margin.x),
      y: margin.y + n.y * (height - 2 * margin.y) };
  }
  const groups = [...new Set(nodes.map((n) => n.group).filter(Boolean))].sort();
  svg.replaceChildren();
  const ties = edges.filter((e) => place[e.a] && place[e.b]);
  for (const e of ties) {
    const a = place[e.a];
    const b = place[e.b];
    svg.append(svgElement("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: "#556",
      "stroke-width": 2 + 3 * Math.max(0, Number(e.level) || 0), "stroke-linecap": "round" }));
  }
  const taken = [];
  for (const n of nodes) {
    const p = place[n.id];
    svg.append(svgElement("circle", { cx: p.x, cy: p.y, r: NODE_RADIUS,
      fill: groupColour(n.group, groups), stroke: "#fff", "stroke-width": 3 }));
    const above = n.y < 0.5; // a label on the side away from the middle, where the ties run
    const label = svgElement("text", { x: p.x, y: above ? p.y - NODE_RADIUS - 6 :
      p.y + NODE_RADIUS + 6, "text-anchor": "middle",
      "dominant-baseline": above ? "text-after-edge" : "text-before-edge",
      "font-size": LABEL_PX, "font-weight": 700, class: "node-label" }, n.name || n.id);
    svg.append(label);
    taken.push({ x: p.x - NODE_RADIUS, y: p.y - NODE_RADIUS, width: 2 * NODE_RADIUS,
      height: 2 * NODE_RADIUS }, label.getBBox());
  }
  groups.forEach((g, i) => { // the legend first, so that the ties' labels keep clear of it
    const y = height - 10 - (groups.length - 1 - i) * (LABEL_PX + 8);
    svg.append(svgElement("circle", { cx: 16, cy: y - LABEL_PX / 2 + 2, r: 10,
      fill: groupColour(g, groups) }));
    const legend = svgElement("text", { x: 34, y, "font-size": EDGE_LABEL_PX, class: "legend" },
      g);
    svg.append(legend);
    const box = legend.getBBox();
    taken.push({ x: 0, y: box.y, width: box.x + box.width, height: box.height });
  });
  for (const e of ties) {
    if (!e.label) continue;
    const label = svgElement("text", { "text-anchor": "middle", "dominant-baseline": "middle",
      "font-size": EDGE_LABEL_PX, class: "edge-label" }, e.label);
    svg.append(label);
    placeLabel(label, place[e.a], place[e.b], taken, { width, height });
  }
}

function cell(value) {
  // A number as the debrief writes it: a whole number as such ("8", not "8.00"), others with
  // at most two decimals (none from 100 up) and no trailing zeros ("42.9").
  if (value === null || value === undefined) return "";
  const v = Number(value);
  if (!Number.isFinite(v)) return String(value);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toFixed(Math.abs(v) >= 100 ? 0 : 2)));
}

function drawBars(bars) {
  const box = byId("bars");
  if (!bars.length) { box.replaceChildren(); return; }
  const top = Math.max(...bars.map((b) => Math.max(Number(b.value) || 0,
    Number(b.reference) || 0))) || 1;
  const rows = bars.map((b) => {
    const row = element("div", null, { class: "bar-row" });
    const name = element("div", null, { class: "bar-name" });
    const ref = b.reference === null || b.reference === undefined ? "" :
      ` (ref. ${cell(b.reference)})`;
    name.append(element("span", b.name), element("span", `${cell(b.value)} ${b.unit || ""}${ref}`));
    const track = element("div", null, { class: "bar-track" });
    const fill = element("div", null, { class: "bar-fill" });
    fill.style.width = `${Math.max(0, 100 * (Number(b.value) || 0) / top)}%`;
    track.append(fill);
    if (ref) {
      const mark = element("div", null, { class: "bar-ref" });
      mark.style.left = `${100 * Number(b.reference) / top}%`;
      track.append(mark);
    }
    row.append(name, track);
    return row;
  });
  box.replaceChildren(...rows);
}

function drawTable(table) {
  const box = byId("table");
  if (!table || !table.columns) { box.replaceChildren(); return; }
  const t = element("table");
  const head = element("tr");
  table.columns.forEach((c) => head.append(element("th", c)));
  t.append(head);
  for (const row of table.rows) {
    const tr = element("tr");
    row.forEach((value) => tr.append(element("td", typeof value === "number" ? cell(value) :
      value)));
    t.append(tr);
  }
  box.replaceChildren(t);
  box.scrollTop = box.scrollHeight; // the latest rows (the last turn's) in view
}

async function advance() {
  const button = byId("advance");
  button.disabled = true;
  say("");
  try {
    const answer = await api("/api/teacher/advance", {});
    if (!answer.ok) say(answer.data.error);
  } catch (e) {
    say("No answer from the session's server");
  }
  await poll();
}

async function startTimer(event) {
  event.preventDefault();
  const seconds = Number(byId("seconds").value);
  const answer = await api("/api/teacher/timer", { seconds: Math.round(seconds) });
  say(answer.ok ? "" : answer.data.error);
  await poll();
}

byId("debrief-link").href = "/debrief";
byId("advance").addEventListener("click", advance);
byId("timer-form").addEventListener("submit", startTimer);
window.addEventListener("resize", drawBoard);
loadJoin();
poll();
setInterval(poll, POLL_MS);
