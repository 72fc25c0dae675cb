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
