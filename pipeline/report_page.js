// The report page: draws each figure from its Vega-Lite spec and data, and runs the table of every
// model (search, sort, provenance). Everything it shows comes from the JSON blocks of the page, and
// every piece of text is set as text, never as markup: model names come from untrusted pages.
"use strict";
(function () {
  // Text is stored once, in the page's string table; tables hold its indices.
  var strings = JSON.parse(document.getElementById("strings").textContent);
  function text(index) { return index === null ? null : strings[index]; }
  function records(table) {
    var isText = table.columns.map(function (column) { return table.text.indexOf(column) !== -1; });
    return table.rows.map(function (row) {
      var record = {};
      table.columns.forEach(function (column, index) { record[column] = isText[index] ? text(row[index]) : row[index]; });
      return record;
    });
  }
  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  // -- figures ---------------------------------------------------------------------------------
  var figureData = JSON.parse(document.getElementById("figure-data").textContent);
  var drawn = Array.prototype.map.call(document.querySelectorAll(".chart[data-figure]"), function (chart) {
    var figure = figureData[chart.dataset.figure];
    var spec = Object.assign({}, figure.spec, {datasets: {}});
    spec.datasets[figure.spec.data.name] = records(figure.data);
    return vegaEmbed(chart, spec, {renderer: "svg", actions: false});
  });
  Promise.all(drawn).then(function () {
    document.body.dataset.rendered = String(Math.round(performance.now()));
  }, function (error) { console.error("a figure could not be drawn: " + error); });

  // -- the table of every model ------------------------------------------------------------------
  var data = JSON.parse(document.getElementById("model-data").textContent);
  var models = records(data.models);
  models.forEach(function (model, index) { model.index = index; });
  var body = document.querySelector("#model-table tbody");
  var search = document.getElementById("model-search");
  var count = document.getElementById("model-count");
  var sortKey = "name", ascending = true;

  function number(value, digits) {
    return value === null || value === undefined ? "" : Number(value).toExponential(digits);
  }
  function cells(model) {
    return [model.name, model.organization, model.publication_date, number(model.params_total, 2),
            number(model.training_compute_flop, 2) + (model.training_compute_method === "6ND" ? " (6·N·D)" : ""),
            number(model.training_tokens, 2),
            model.benchmark === null ? "" : Number(model.benchmark).toFixed(1), model.sources,
            model.conflicts || ""];
  }
  function compare(a, b) {
    var x = a[sortKey], y = b[sortKey];
    if (x === null || x === undefined || x === "") return (y === null || y === undefined || y === "") ? a.index - b.index : 1;
    if (y === null || y === undefined || y === "") return -1;
    var order = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
    return (ascending ? order : -order) || a.index - b.index;
  }
  function detailTable(columns, rows, linkColumn) {
    var table = element("table", null, "detail");
    var head = table.createTHead().insertRow();
    columns.forEach(function (column) { head.appendChild(element("th", column)); });
    var tbody = table.createTBody();
    rows.forEach(function (row) {
      var tr = tbody.insertRow();
      row.forEach(function (value, index) {
        var td = tr.insertCell();
        if (index === linkColumn && /^https?:\/\//i.test(value || "")) {
          var link = element("a", value);
          link.href = value;
          link.rel = "noopener noreferrer";
          td.appendChild(link);
        } else {
          td.textContent = value === null || value === undefined ? "" : String(value);
        }
      });
    });
    return table;
  }
  function details(model) {
    var row = element("tr", null, "provenance");
    row.dataset.model = model.model_id;
    var cell = row.insertCell();
    cell.colSpan = 9;
    var provenance = (data.provenance[String(model.index)] || []).map(function (row) { return row.map(text); });
    var conflicts = data.conflicts[String(model.index)] || [];
    cell.appendChild(element("p", model.name + " (" + model.model_id + "; " + (model.domain || "no domain") +
                                  "; confidence: " + (model.confidence || "unstated") + "): " + provenance.length +
                                  " values from its sources"));
    if (provenance.length) cell.appendChild(detailTable(data.provenance_columns, provenance, 4));
    cell.appendChild(element("p", conflicts.length ? conflicts.length + " disagreements between sources:" :
                                                     "No disagreement between sources beyond the tolerances."));
    if (conflicts.length) cell.appendChild(detailTable(data.conflict_columns, conflicts, -1));
    return row;
  }
  function toggle(tr, model) {
    var next = tr.nextElementSibling;
    if (next && next.classList.contains("provenance")) {
      next.remove();
      tr.setAttribute("aria-expanded", "false");
    } else {
      tr.after(details(model));
      tr.setAttribute("aria-expanded", "true");
    }
  }
  function render() {
    var words = search.value.trim().toLowerCase();
    var shown = models.filter(function (model) {
      return !words || [model.name, model.organization, model.model_id].some(function (text) {
        return text && String(text).toLowerCase().indexOf(words) !== -1;
      });
    }).sort(compare);
    var fragment = document.createDocumentFragment();
    shown.forEach(function (model) {
      var tr = element("tr", null, "model");
      tr.tabIndex = 0;
      tr.dataset.model = model.model_id;
      tr.setAttribute("aria-expanded", "false");
      cells(model).forEach(function (value) { tr.appendChild(element("td", value)); });
      tr.addEventListener("click", function () { toggle(tr, model); });
      tr.addEventListener("keydown", function (event) { if (event.key === "Enter") toggle(tr, model); });
      fragment.appendChild(tr);
    });
    body.replaceChildren(fragment);
    count.textContent = shown.length + " of " + models.length + " models";
  }
  document.querySelectorAll("#model-table th button").forEach(function (button) {
    button.addEventListener("click", function () {
      ascending = sortKey === button.dataset.sort ? !ascending : true;
      sortKey = button.dataset.sort;
      document.querySelectorAll("#model-table th").forEach(function (th) { th.removeAttribute("aria-sort"); });
      button.parentNode.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      render();
    });
  });
  search.addEventListener("input", render);
  render();
})();
