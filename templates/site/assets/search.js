/* Search, filter and sort the Information Index in the browser, as the reader types.
   Progressive enhancement: without scripting the page already lists every item.
   The index (search-index.js, or search.json when served) maps each File No to the
   distinct words of its title, summary, outcomes, learning, locality and organisation. */
(function () {
  "use strict";
  var form = document.getElementById("finder");
  if (!form) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.row"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.theme"));
  var count = document.getElementById("result-count");
  var words = (window.MLN_SEARCH_INDEX && window.MLN_SEARCH_INDEX.items) || null;
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
  function load() {
    if (words || !window.fetch || location.protocol === "file:") { return; }
    fetch(form.dataset.index).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.items) { words = data.items; apply(); } })
      .catch(function () { /* the visible text of each row is searched instead */ });
  }
  form.hidden = false;
  restore();
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  load();
  apply();
}());
