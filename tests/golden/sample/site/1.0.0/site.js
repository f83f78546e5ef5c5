// sopgen site: navigation menu, version menu and offline search. No network; works
// from file://. Every page works without it, except search as you type.
(function () {
  "use strict";

  var FIRST = 20; // results shown before "Show all"

  function normalise(text) {
    return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function search(query) {
    var words = normalise(query).split(/\s+/).filter(Boolean);
    var index = window.SOPGEN_SEARCH || [];
    if (!words.length) { return { words: words, hits: [] }; }
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
    return { words: words, hits: hits.map(function (hit) { return hit.entry; }) };
  }

  // About 160 characters of the text around the first word found, the word marked.
  function excerpt(text, words) {
    var plain = normalise(text);
    var at = -1, word = "";
    for (var i = 0; i < words.length && at < 0; i++) { at = plain.indexOf(words[i]); word = words[i]; }
    var p = document.createElement("span");
    p.className = "result-excerpt";
    if (at < 0) { p.textContent = text.slice(0, 160) + (text.length > 160 ? " …" : ""); return p; }
    var start = Math.max(0, text.lastIndexOf(" ", Math.max(0, at - 60)) + 1);
    var end = Math.min(text.length, at + word.length + 100);
    p.appendChild(document.createTextNode((start > 0 ? "… " : "") + text.slice(start, at)));
    var mark = document.createElement("mark");
    mark.textContent = text.slice(at, at + word.length);
    p.appendChild(mark);
    p.appendChild(document.createTextNode(text.slice(at + word.length, end) + (end < text.length ? " …" : "")));
    return p;
  }

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  // The count always; the first results, and "Show all" (a link or a button) for the rest.
  function show(found, container, words, more) {
    container.textContent = "";
    var hits = found.hits, total = hits.length;
    if (!found.words.length) { return; }
    var count = document.createElement("p");
    count.className = "result-count";
    if (!total) { count.textContent = words.none; container.appendChild(count); return; }
    var shown = more.all ? total : Math.min(total, FIRST);
    count.textContent = shown < total
      ? say(words.first, { n: total, shown: shown })
      : total === 1 ? words.one : say(words.many, { n: total });
    container.appendChild(count);
    var ul = document.createElement("ul");
    hits.slice(0, shown).forEach(function (entry) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = entry.url;
      a.textContent = (entry.id ? entry.id + " " : "") + entry.title;
      li.appendChild(a);
      if (entry.where) {
        var where = document.createElement("span");
        where.className = "result-where";
        where.textContent = entry.where;
        li.appendChild(where);
      }
      if (entry.text) { li.appendChild(excerpt(entry.text, found.words)); }
      ul.appendChild(li);
    });
    container.appendChild(ul);
    if (shown < total) { container.appendChild(more.control(total)); }
  }

  function wordsOf(element) {
    return { none: element.getAttribute("data-none"), one: element.getAttribute("data-one"),
             many: element.getAttribute("data-many"), first: element.getAttribute("data-first"),
             all: element.getAttribute("data-all") };
  }

  function headerSearch(input, results) {
    var words = wordsOf(results);
    var run = function () {
      show(search(input.value), results, words, { all: false, control: function (total) {
        var a = document.createElement("a");
        a.className = "result-more";
        a.href = "search.html?q=" + encodeURIComponent(input.value);
        a.textContent = say(words.all, { n: total });
        return a;
      } });
    };
    input.addEventListener("input", run);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { input.value = ""; results.textContent = ""; }
    });
  }

  function pageSearch(input, results) {
    var words = wordsOf(results);
    var all = false;
    var run = function () {
      show(search(input.value), results, words, { all: all, control: function (total) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "result-more";
        button.textContent = say(words.all, { n: total });
        button.addEventListener("click", function () {
          all = true;
          run();
          var items = results.querySelectorAll("li a");
          if (items[FIRST]) { items[FIRST].focus(); }
        });
        return button;
      } });
    };
    input.value = new URLSearchParams(window.location.search).get("q") || "";
    input.addEventListener("input", function () { all = false; run(); });
    run();
  }

  // The navigation is a sidebar on a wide screen and a "Menu" on a phone.
  function siteMenu(menu) {
    var wide = window.matchMedia("(min-width: 48.01rem)");
    var fit = function () { menu.open = wide.matches; };
    fit();
    wide.addEventListener("change", fit);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var menu = document.querySelector(".site-menu");
    if (menu) { siteMenu(menu); }
    var input = document.getElementById("search-input");
    var results = document.getElementById("search-results");
    if (input && results) { headerSearch(input, results); }
    var pageInput = document.getElementById("search-page-input");
    var pageResults = document.getElementById("search-page-results");
    if (pageInput && pageResults) { pageSearch(pageInput, pageResults); }
  });

  // The version menu closes on Escape, on a click elsewhere, and when Back returns to a
  // page kept in memory (bfcache), so that it shows this page's version as on arrival.
  function closeVersionMenus(unless) {
    var open = document.querySelectorAll(".version-menu[open]");
    for (var i = 0; i < open.length; i++) {
      if (!unless || !open[i].contains(unless)) { open[i].open = false; }
    }
  }
  document.addEventListener("click", function (event) { closeVersionMenus(event.target); });
  document.addEventListener("keydown", function (event) {
    var menu = document.activeElement && document.activeElement.closest(".version-menu[open]");
    if (event.key === "Escape" && menu) { menu.open = false; menu.querySelector("summary").focus(); }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { closeVersionMenus(null); }
  });
})();
