// What the student's and the teacher's pages share (loaded before each page's own script).

function byId(id) { return document.getElementById(id); }

function element(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  return node;
}
