/* asktell dashboard: polls the read-only JSON API once a second for what changed since the last poll and redraws
 * the summary, the charts (charts.js) and the trial table. Everything shown is set with textContent: a config
 * value such as "<script>" is text, never markup. */
"use strict";
(function () {
  var POLL_MS = 1000, MAX_ROWS = 500;
  var state = null, generation = 0;
  var drawCost = 0, lastDraw = 0, drawTimer = null;  /* a redraw of many trials waits 5x its own cost */

  function $(id) { return document.getElementById(id); }
  function setText(id, value) { $(id).textContent = value === null || value === undefined ? "" : String(value); }
  function node(parent, name, text, cls) {
    var n = document.createElement(name);
    if (text !== undefined && text !== null) n.textContent = String(text);
    if (cls) n.className = cls;
    parent.appendChild(n);
    return n;
  }
  function getJSON(url) {
    return fetch(url, {cache: "no-store"}).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); });
  }
  function q(params) {
    return Object.keys(params).map(function (k) { return k + "=" + encodeURIComponent(params[k]); }).join("&");
  }
  var fmt = AsktellCharts.fmt;

  function start() {
    getJSON("api/experiments").then(function (d) {
      var select = $("exp-select");
      while (select.firstChild) select.removeChild(select.firstChild);
      d.experiments.forEach(function (e) { node(select, "option", e.name).value = e.name; });
      var wanted = decodeURIComponent(location.hash.replace(/^#/, ""));
      var names = d.experiments.map(function (e) { return e.name; });
      var chosen = names.indexOf(wanted) >= 0 ? wanted : names[names.length - 1];
      if (chosen !== undefined) { select.value = chosen; choose(chosen); }
      else { setText("exp-name", "(no experiment in " + d.path + " yet)"); setTimeout(start, POLL_MS); }
    }, function () { setTimeout(start, POLL_MS); });
    $("exp-select").addEventListener("change", function () { choose(this.value); });
    $("detail-close").addEventListener("click", function () { state.selected = null; $("detail").hidden = true; draw(); });
  }

  function choose(name) {
    generation += 1;
    state = {exp: name, version: 0, trials: {}, summary: null, logParams: [], sort: null, asc: true,
             selected: null};
    history.replaceState(null, "", "#" + encodeURIComponent(name));
    $("detail").hidden = true;
    poll(generation);
  }

  function poll(gen) {
    if (gen !== generation) return;
    getJSON("api/experiment?" + q({exp: state.exp, since: state.version})).then(function (d) {
      if (gen !== generation) return;
      $("live").className = "live on";
      merge(d);
    }, function () { $("live").className = "live"; }).then(function () {
      setTimeout(function () { poll(gen); }, POLL_MS);
    });
  }

  function merge(d) {
    if (d.since === 0) state.trials = {};
    var changed = d.since === 0 || d.trials.length > 0 || !state.summary || state.summary.state !== d.state;
    d.trials.forEach(function (t) { state.trials[t.id] = t; });
    if (d.log_params) state.logParams = d.log_params;
    state.version = d.version;
    state.summary = d;
    if (changed) scheduleDraw();
    if (state.selected && d.trials.some(function (t) { return t.id === state.selected; })) showDetail(state.selected);
  }

  function scheduleDraw() {
    if (drawTimer !== null) return;
    var wait = Math.max(0, lastDraw + Math.max(POLL_MS, 5 * drawCost) - Date.now());
    drawTimer = setTimeout(function () {
      drawTimer = null;
      var began = performance.now();
      draw();
      drawCost = performance.now() - began;
      lastDraw = Date.now();
    }, wait);
  }

  function trialList() {
    return Object.keys(state.trials).sort().map(function (id) { return state.trials[id]; });
  }

  function bestTrial(list, mode) {
    var best = null;
    list.forEach(function (t) {
      if (typeof t.last !== "number") return;
      if (best === null || (mode === "max" ? t.last > best.last : t.last < best.last)) best = t;
    });
    return best;
  }

  function draw() {
    var s = state.summary, list = trialList(), best = bestTrial(list, s.mode);
    setText("exp-name", s.name);
    setText("state", s.state);
    $("state").className = "badge " + s.state;
    setText("trial-count", list.length);
    setText("metric", s.metric ? s.metric + " (" + s.mode + ")" : "-");
    setText("best", best ? fmt(best.last) + " (" + best.name + ")" : "-");
    setText("searcher", s.searcher);
    setText("scheduler", s.scheduler);
    $("problems").hidden = !s.num_problems;
    setText("problems", s.num_problems ? "The journal has " + s.num_problems + " damaged line(s), left out: " +
            s.problems.join("; ") : "");
    var counts = {};
    list.forEach(function (t) { counts[t.label] = (counts[t.label] || 0) + 1; });
    setText("counts", Object.keys(counts).sort().map(function (k) { return counts[k] + " " + k; }).join(", "));
    var opts = {metric: s.metric, mode: s.mode, logParams: state.logParams, selected: state.selected,
                onTitle: function (title) { setText("curves-title", title); },
                onParallelTitle: function (title) { setText("parallel-title", title); }};
    AsktellCharts.curves($("curves"), list, opts);
    AsktellCharts.history($("history"), list, opts);
    AsktellCharts.parallel($("parallel"), list, opts);
    table(list, s, best);
  }

  function columns(list, s) {
    var params = [];
    list.forEach(function (t) { Object.keys(t.config).forEach(function (k) { if (params.indexOf(k) < 0) params.push(k); }); });
    var cols = [
      {name: "trial", get: function (t) { return t.name; }, text: true},
      {name: "status", get: function (t) { return t.label; }, text: true},
      {name: "iterations", get: function (t) { return t.iteration; }},
    ];
    if (s.metric) {
      cols.push({name: s.metric + " (last)", get: function (t) { return t.last; }});
      cols.push({name: s.metric + " (best)", get: function (t) { return t.best; }});
    }
    cols.push({name: "time (s)", get: function (t) { return t.time; }});
    params.forEach(function (p) { cols.push({name: p, get: function (t) { return t.config[p]; }, param: true}); });
    return cols;
  }

  function compare(a, b) {
    if (a === b) return 0;
    if (a === null || a === undefined) return 1;
    if (b === null || b === undefined) return -1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b));
  }

  function table(list, s, best) {
    var cols = columns(list, s), head = $("trials").tHead, body = $("trials").tBodies[0];
    while (head.firstChild) head.removeChild(head.firstChild);
    var row = node(head, "tr");
    cols.forEach(function (c, i) {
      var th = node(row, "th", c.name + (state.sort === i ? (state.asc ? " \u25B2" : " \u25BC") : ""));
      th.addEventListener("click", function () {
        state.asc = state.sort === i ? !state.asc : true;
        state.sort = i;
        draw();
      });
    });
    var rows = list.slice();
    if (state.sort !== null && cols[state.sort]) {
      var get = cols[state.sort].get;
      rows.sort(function (a, b) { var r = compare(get(a), get(b)); return state.asc ? r : -r; });
    }
    setText("table-note", rows.length > MAX_ROWS ? "(first " + MAX_ROWS + " of " + rows.length + " shown; sort to " +
            "choose)" : "(click a header to sort, a row for details)");
    var fragment = document.createDocumentFragment();
    rows.slice(0, MAX_ROWS).forEach(function (t) {
      var tr = node(fragment, "tr", null, t === best ? "best" : "");
      tr.dataset.trial = t.id;
      cols.forEach(function (c) {
        var v = c.get(t);
        var cls = (c.text || (c.param && typeof v !== "number")) ? "s" : "";
        if (c.name === "status") cls += " " + (t.status === "ERROR" ? "ERROR" : t.label.indexOf("stopped early") === 0 ? "early" : "");
        var td = node(tr, "td", typeof v === "number" ? fmt(v) : v, cls);
        if (c.name === "status" && t.error) td.title = t.error;
      });
      tr.addEventListener("click", function () { showDetail(t.id); });
    });
    while (body.firstChild) body.removeChild(body.firstChild);
    body.appendChild(fragment);
  }

  function showDetail(id) {
    var first = state.selected !== id;
    state.selected = id;
    getJSON("api/trial?" + q({exp: state.exp, id: id})).then(function (d) {
      if (state.selected !== id) return;
      $("detail").hidden = false;
      setText("detail-name", d.name);
      var summary = state.trials[id];
      setText("detail-status", (summary ? summary.label : d.status) +
              (d.num_failures ? " (" + d.num_failures + " failure(s))" : ""));
      setText("detail-config", JSON.stringify(d.config, null, 2));
      setText("detail-error", d.error || "(none)");
      files(d);
      results(d);
      if (first) { draw(); $("detail").scrollIntoView(); }
    });
  }

  function files(d) {
    var list = $("detail-files");
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!d.files.length) node(list, "li", "(no files)");
    d.files.forEach(function (f) {
      var button = node(node(list, "li"), "button", f.name + " (" + f.size + " bytes)");
      button.type = "button";
      button.addEventListener("click", function () {
        fetch("api/file?" + q({exp: state.exp, id: d.id, name: f.name}), {cache: "no-store"})
          .then(function (r) { return r.text(); })
          .then(function (text) { setText("detail-file", text); });
      });
    });
  }

  function results(d) {
    var keys = [];
    d.results.forEach(function (r) { Object.keys(r).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); }); });
    var head = $("detail-results").tHead, body = $("detail-results").tBodies[0];
    while (head.firstChild) head.removeChild(head.firstChild);
    while (body.firstChild) body.removeChild(body.firstChild);
    var row = node(head, "tr");
    keys.forEach(function (k) { node(row, "th", k); });
    d.results.slice().reverse().forEach(function (r) {
      var tr = node(body, "tr");
      keys.forEach(function (k) {
        var v = r[k];
        node(tr, "td", typeof v === "number" ? fmt(v) : typeof v === "object" && v !== null ? JSON.stringify(v) : v,
             typeof v === "number" ? "" : "s");
      });
    });
    setText("detail-results-note", !d.num_results ? "(none)" : d.num_results > d.results.length ? "(last " + d.results.length + " of " +
            d.num_results + ", newest first)" : "(newest first)");
  }

  start();
})();
