/* Search, filter and sort the Information Index in the browser, as the reader types.
   Progressive enhancement: without scripting, the index page links each key theme's page,
   which lists its items. The search index maps each File No to the distinct words of its
   title, summary, outcomes, learning, locality and organisation, and to what the results
   list shows of it. It comes in shards (scripts, so a file share works too):
   search-index.js names them, and they are loaded one at a time once a search begins,
   each searched as it arrives, so the first answers come after one small file. */
(function () {
  "use strict";
  var form = document.getElementById("finder");
  var map = window.MLN_SEARCH_INDEX || null;
  if (!form || !map || !map.shards) { return; }
  var count = document.getElementById("result-count");
  var table = document.getElementById("results");
  var body = table.tBodies[0];
  var root = table.dataset.root || "";
  var total = Number(count.dataset.total) || 0;
  var at = {};
  map.entry.forEach(function (name, i) { at[name] = i; });
  var items = {}, files = [], pending = map.shards.slice(), loading = false, awaited = pending.length;
  var statusOrder = { "planned": 0, "being-implemented": 1, "implemented": 2 };
  var byNumber = new Intl.Collator("en", { numeric: true }).compare;  // CH-2026-999 before CH-2026-1000
  var LIMIT = 200;  // rows drawn at once; the count says how many more there are

  function names(select) {
    var found = {};
    Array.prototype.forEach.call(select.options, function (o) { found[o.value] = o.text; });
    return found;
  }
  var themes = names(form.elements.theme), statuses = names(form.elements.status);

  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }
  var stop = {};  // words too common to search for ("the", "of" ...), left out as `mln search` does
  (map.stop || []).forEach(function (word) { stop[word] = true; });
  function terms(text) {
    return fold(text).split(/[^\p{L}\p{N}]+/u).filter(function (t) { return t.length > 0 && !stop[t]; });
  }
  function choices() {
    var e = form.elements;
    return { words: terms(e.q.value), theme: e.theme.value, region: e.region.value, status: e.status.value };
  }
  function asked(c) { return c.words.length > 0 || c.theme || c.region || c.status; }
  function matches(item, c) {
    if (c.theme && item[at.theme] !== c.theme) { return false; }
    if (c.region && item[at.region] !== c.region) { return false; }
    if (c.status && item[at.status] !== c.status) { return false; }
    var text = item[at.words];
    return c.words.every(function (term) { return text.indexOf(" " + term) !== -1; });
  }
  function compare(mode) {
    return function (a, b) {
      var x = items[a], y = items[b], byFile = byNumber(a, b);
      if (mode === "date-desc") { return (y[at.date] || "").localeCompare(x[at.date] || "") || byFile; }
      if (mode === "date-asc") { return (x[at.date] || "9999").localeCompare(y[at.date] || "9999") || byFile; }
      if (mode === "status") { return (statusOrder[x[at.status]] - statusOrder[y[at.status]]) || byFile; }
      return byFile;
    };
  }
  function cell(label, content) {
    var td = document.createElement("td");
    td.setAttribute("data-label", label);
    if (typeof content === "string") { td.textContent = content; } else { td.appendChild(content); }
    return td;
  }
  function row(file) {
    var item = items[file], tr = document.createElement("tr"), link = document.createElement("a");
    var chip = document.createElement("span"), place = item[at.location] || "", region = item[at.region];
    tr.className = "row";
    tr.setAttribute("data-file", file);
    link.href = root + item[at.path];
    link.textContent = item[at.title] || "(untitled)";  // text, never markup
    if (region && place.indexOf(region) === -1) { place = place ? place + ", " + region : region; }
    chip.className = "chip chip-" + item[at.status];
    chip.textContent = statuses[item[at.status]] || "";
    [cell("File No", file), cell("Practice example", link), cell("Theme", themes[item[at.theme]] || ""),
      cell("Location", place), cell("Date", item[at.date] || ""), cell("Status", chip)
    ].forEach(function (td) { tr.appendChild(td); });
    return tr;
  }
  function apply() {
    var c = choices();
    if (!asked(c)) {
      table.hidden = true;
      body.textContent = "";
      count.textContent = total + " item" + (total === 1 ? "" : "s") + ": search, or choose a theme, region or status.";
      remember();
      return;
    }
    load();
    var found = files.filter(function (file) { return matches(items[file], c); });
    var mode = form.elements.sort.value;
    if (mode !== "file") { found.sort(compare(mode)); }
    var rows = document.createDocumentFragment();
    found.slice(0, LIMIT).forEach(function (file) { rows.appendChild(row(file)); });
    body.textContent = "";
    body.appendChild(rows);
    table.hidden = found.length === 0;
    var text = found.length + " of " + total + " item" + (total === 1 ? "" : "s") + " shown";
    if (found.length > LIMIT) { text = found.length + " of " + total + " items found; the first " + LIMIT + " shown"; }
    count.textContent = text + (awaited ? " so far, searching the rest of the index." : ".");
    remember();
  }
  // The choices live in the address (?q=...&status=...), so a search can be bookmarked or shared.
  function remember() {
    if (!window.history || !window.URLSearchParams || location.protocol === "file:") { return; }
    var params = new URLSearchParams();
    ["q", "theme", "region", "status", "sort"].forEach(function (name) {
      var value = form.elements[name].value;
      if (value && !(name === "sort" && value === "file")) { params.set(name, value); }
    });
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }
  function restore() {
    if (!window.URLSearchParams) { return; }
    var params = new URLSearchParams(location.search);
    ["q", "theme", "region", "status", "sort"].forEach(function (name) {
      var field = form.elements[name], value = params.get(name);
      if (value === null) { return; }
      if (field.tagName === "SELECT" && !Array.prototype.some.call(field.options, function (o) { return o.value === value; })) { return; }
      field.value = value;
    });
  }
  window.MLN_SEARCH_SHARD = function (number, data) {
    Object.keys(data.items).forEach(function (file) { items[file] = data.items[file]; });
    files = Object.keys(items).sort(byNumber);  // File No order, as the themes' pages list them
    awaited -= 1;
    next();
    apply();
  };
  function next() {  // one shard at a time: a reader waits for one small file, never the whole index
    var path = pending.shift();
    if (!path) { return; }
    var script = document.createElement("script");
    script.src = path;  // relative to this page, as the map says
    script.onerror = function () { awaited -= 1; next(); apply(); };  // a missing shard: search what did arrive
    document.head.appendChild(script);
  }
  function load() {
    if (loading) { return; }
    loading = true;
    next();
  }
  form.hidden = false;
  restore();
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  apply();
}());
