// What the student's and the teacher's pages share (loaded before each page's own script).

function byId(id) { return document.getElementById(id); }

function element(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  return node;
}

// A JSON call to the session's API: GET without a body, POST with one; ``auth`` holds the
// caller's header (the student's token or the teacher's key). Never throws on a refusal.
async function callApi(path, body, auth) {
  const headers = { "Content-Type": "application/json", ...auth };
  const options = body === undefined ? { headers } :
    { method: "POST", headers, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  let data = {};
  try { data = await response.json(); } catch (e) { data = { error: "unreadable answer" }; }
  return { ok: response.ok, status: response.status, data };
}

// The order of a page's polls. They overlap and may answer out of order (slow Wi-Fi); an
// answer older than the one drawn last must not be drawn: it would bring back a closed year
// (on the phone: its card, losing the choices made for the open year, and a submit for the
// closed year; on the dashboard: Advance enabled again). Each poll takes a number (take);
// an answer is drawn (accept) if its turn is later (the server's turn only grows), or the
// same turn for a later poll. forget() drops the answers of every poll sent so far.
function pollOrder() {
  let sent = 0; // the number of the last poll sent
  let floor = 0; // polls up to this number were sent before forget(): dropped
  let drawn = { turn: 0, poll: 0 }; // the turn and the poll number of the answer drawn last
  return {
    take() { return ++sent; },
    // whether poll ``number`` was sent after the answer drawn last (and after forget())
    isLatest(number) { return number > drawn.poll; },
    accept(turn, number) {
      if (number <= floor || turn < drawn.turn || (turn === drawn.turn && number < drawn.poll)) {
        return false;
      }
      drawn = { turn, poll: number };
      return true;
    },
    forget() { floor = sent; drawn = { turn: 0, poll: sent }; },
  };
}
