// sopgen site: version selector and offline search. No network; works from file://.
(function () {
  "use strict";

  function normalise(text) {
    return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function search(query) {
    var words = normalise(query).split(/\s+/).filter(Boolean);
    var index = window.SOPGEN_SEARCH || [];
    if (!words.length) { return []; }
    var hits = [];
    index.forEach(function (entry) {
      var title = normalise(entry.id + " " + entry.title);
      var body = normalise(entry.text);
      var score = 0;
      for (var i = 0; i < words.length; i++) {
        var inTitle = title.indexOf(words[i]) >= 0;
        if (!inTitle && body.indexOf(words[i]) < 0) { return; }
        score += inTitle ? 10 : 1;
      }
      hits.push({ entry: entry, score: score });
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    return hits.slice(0, 20).map(function (hit) { return hit.entry; });
  }

  function show(list, container, none) {
    container.textContent = "";
    if (!list.length) {
      if (none) { var p = document.createElement("p"); p.textContent = none; container.appendChild(p); }
      return;
    }
    var ul = document.createElement("ul");
    list.forEach(function (entry) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = entry.url;
      a.textContent = (entry.id ? entry.id + " " : "") + entry.title;
      var small = document.createElement("small");
      small.textContent = entry.pillar;
      a.appendChild(small);
      li.appendChild(a);
      ul.appendChild(li);
    });
    container.appendChild(ul);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("version-select");
    if (select) {
      select.addEventListener("change", function () { window.location.href = select.value; });
    }
    var input = document.getElementById("search-input");
    var results = document.getElementById("search-results");
    if (input && results) {
      input.addEventListener("input", function () { show(search(input.value), results, ""); });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { input.value = ""; results.textContent = ""; }
      });
    }
    var pageInput = document.getElementById("search-page-input");
    var pageResults = document.getElementById("search-page-results");
    if (pageInput && pageResults) {
      var query = new URLSearchParams(window.location.search).get("q") || "";
      pageInput.value = query;
      var none = pageResults.getAttribute("data-none");
      var run = function () { show(search(pageInput.value), pageResults, pageInput.value ? none : ""); };
      pageInput.addEventListener("input", run);
      run();
    }
  });
})();
