/* Search, filter and sort the Information Index in the browser, as the reader types.
   Progressive enhancement: without scripting the page already lists every item.
   The index maps each File No to the distinct words of its title, summary, outcomes,
   learning, locality and organisation. It comes in shards (scripts, so a file share
   works too): search-index.js names them, and they are loaded one at a time once a
   search begins, each searched as it arrives; until an item's shard is in, its
   visible text is searched. */
(function () {
  "use strict";
  var form = document.getElementById("finder");
  if (!form) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.row"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.theme"));
  var count = document.getElementById("result-count");
  var map = window.MLN_SEARCH_INDEX || null;
  var words = null, pending = map && map.shards ? map.shards.slice() : [], loading = false;
  var statusOrder = { "planned": 0, "being-implemented": 1, "implemented": 2 };
  var sortedBy = "file";  // the page is built in File No order

  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }
  function terms(text) {
    return fold(text).split(/[^\p{L}\p{N}]+/u).filter(function (t) { return t.length > 0; });
  }
  function matches(row, wanted) {
    if (!wanted.length) { return true; }
    var text = words && words[row.dataset.file];
    if (text === undefined) { text = " " + terms(row.textContent).join(" "); }
    return wanted.every(function (term) { return text.indexOf(" " + term) !== -1; });
  }
  function compare(mode) {
    return function (a, b) {
      var x = a.dataset, y = b.dataset, byFile = x.file < y.file ? -1 : (x.file > y.file ? 1 : 0);
      if (mode === "date-desc") { return (y.date || "").localeCompare(x.date || "") || byFile; }
      if (mode === "date-asc") { return (x.date || "9999").localeCompare(y.date || "9999") || byFile; }
      if (mode === "status") { return (statusOrder[x.status] - statusOrder[y.status]) || byFile; }
      return byFile;
    };
  }
  function apply() {
    var wanted = terms(form.elements.q.value);
    var theme = form.elements.theme.value, region = form.elements.region.value, status = form.elements.status.value;
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!theme || row.dataset.theme === theme) && (!region || row.dataset.region === region) &&
        (!status || row.dataset.status === status) && matches(row, wanted);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var mode = form.elements.sort.value, order = compare(mode);
    sections.forEach(function (section) {
      var body = section.querySelector("tbody");
      var mine = Array.prototype.slice.call(body.rows);
      if (mode !== sortedBy) {  // moving rows is the slow part: only when the order changes
        mine.sort(order).forEach(function (row) { body.appendChild(row); });
      }
      section.hidden = !mine.some(function (row) { return !row.hidden; });
    });
    sortedBy = mode;
    count.textContent = shown + " of " + rows.length + " item" + (rows.length === 1 ? "" : "s") + " shown.";
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
    words = words || {};
    Object.keys(data.items).forEach(function (file) { words[file] = data.items[file]; });
    apply();
    next();
  };
  function next() {  // one shard at a time: a reader waits for one small file, never the whole index
    var path = pending.shift();
    if (!path) { return; }
    var script = document.createElement("script");
    script.src = path;  // relative to this page, as the map says
    script.onerror = next;  // a missing shard: those items are searched by their visible text
    document.head.appendChild(script);
  }
  function load() {
    if (loading || !terms(form.elements.q.value).length) { return; }
    loading = true;
    next();
  }
  form.hidden = false;
  restore();
  form.addEventListener("input", function () { load(); apply(); });
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  load();
  apply();
}());
