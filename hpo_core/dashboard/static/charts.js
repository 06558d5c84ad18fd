/* asktell charts: learning curves, best so far, parallel coordinates, drawn as SVG from trial summaries
 * ({id, name, status, label, iteration, last, best, config, curve: [[x, y], ...]}).
 * Shared by the live dashboard and the static HTML report. Text is only ever set with textContent. */
"use strict";
var AsktellCharts = (function () {
  var NS = "http://www.w3.org/2000/svg";
  var M = {left: 64, right: 16, top: 12, bottom: 42};

  function el(parent, name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  /* Each chart's size is measured once (and again after a resize): measuring after another chart was drawn
   * would force the browser to lay out the whole page, which costs more than drawing. */
  var sizes = new Map();
  window.addEventListener("resize", function () { sizes.clear(); });

  function clear(svg) {
    var size = sizes.get(svg);
    if (!size) {
      var box = svg.getBoundingClientRect();
      size = {w: Math.max(box.width || 600, 300), h: Math.max(box.height || 340, 200)};
      if (box.width) sizes.set(svg, size);
    }
    svg.textContent = "";
    svg.setAttribute("viewBox", "0 0 " + size.w + " " + size.h);
    return size;
  }

  function empty(svg, size, text) {
    el(svg, "text", {x: size.w / 2, y: size.h / 2, "text-anchor": "middle", "class": "empty"}, text);
  }

  function finite(v) { return typeof v === "number" && isFinite(v); }

  function fmt(v) {
    if (!finite(v)) return String(v);
    var a = Math.abs(v);
    return (a !== 0 && (a < 1e-3 || a >= 1e5)) ? v.toExponential(1) : String(+v.toPrecision(4));
  }

  /* A scale: domain [lo, hi] to pixels [a, b]; log when asked and the domain is positive. */
  function scale(lo, hi, a, b, log) {
    log = log && lo > 0;
    if (lo === hi) { lo = log ? lo / 2 : lo - 1; hi = log ? hi * 2 : hi + 1; }
    var f = log ? Math.log : function (x) { return x; };
    var flo = f(lo), fhi = f(hi);
    var s = function (x) { return a + (f(x) - flo) / (fhi - flo) * (b - a); };
    s.log = log;
    s.ticks = function (n) {
      var out = [];
      if (log) {
        for (var e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
          var t = Math.pow(10, e);
          if (t >= lo * 0.999 && t <= hi * 1.001) out.push(t);
        }
        if (out.length < 2) out = [lo, hi];
        return out;
      }
      var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
      [1, 2, 5, 10].some(function (m) { if ((hi - lo) / (step * m) <= n) { step *= m; return true; } return false; });
      for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
      return out;
    };
    return s;
  }

  function extent(values) {
    var lo = Infinity, hi = -Infinity;
    values.forEach(function (v) { if (finite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; } });
    return lo <= hi ? [lo, hi] : null;
  }

  function axes(svg, size, xs, ys, xlabel, ylabel) {
    var g = el(svg, "g", {"class": "axis"});
    el(g, "line", {x1: M.left, y1: size.h - M.bottom, x2: size.w - M.right, y2: size.h - M.bottom});
    el(g, "line", {x1: M.left, y1: M.top, x2: M.left, y2: size.h - M.bottom});
    xs.ticks(6).forEach(function (t) {
      var x = xs(t);
      el(g, "line", {x1: x, y1: size.h - M.bottom, x2: x, y2: size.h - M.bottom + 5});
      el(g, "text", {x: x, y: size.h - M.bottom + 19, "text-anchor": "middle"}, fmt(t));
    });
    ys.ticks(5).forEach(function (t) {
      var y = ys(t);
      el(g, "line", {x1: M.left, y1: y, x2: size.w - M.right, y2: y, "class": "grid"});
      el(g, "text", {x: M.left - 6, y: y + 4, "text-anchor": "end"}, fmt(t));
    });
    el(g, "text", {x: (M.left + size.w - M.right) / 2, y: size.h - 6, "text-anchor": "middle"}, xlabel);
    el(g, "text", {x: 14, y: (M.top + size.h - M.bottom) / 2, "text-anchor": "middle",
                   transform: "rotate(-90 14 " + (M.top + size.h - M.bottom) / 2 + ")"}, ylabel);
  }

  function color(i, n) { return "hsl(" + Math.round(360 * ((i * 0.618034) % 1)) + ",65%,45%)"; }

  function cross(svg, x, y, cls, title) {
    var g = el(svg, "g", {"class": cls});
    el(g, "line", {x1: x - 5, y1: y - 5, x2: x + 5, y2: y + 5});
    el(g, "line", {x1: x - 5, y1: y + 5, x2: x + 5, y2: y - 5});
    el(g, "title", {}, title);
  }

  function isEarly(t) { return t.label.indexOf("stopped early") === 0; }

  var MAX_LINES = 1500;  /* more SVG lines than this cost the browser seconds per redraw and show nothing more */

  /* The trials worth a line when there are too many: the selected one, the running ones, then the best. */
  function pick(trials, opts) {
    if (trials.length <= MAX_LINES) return {shown: trials, note: ""};
    var sign = opts.mode === "max" ? -1 : 1;
    var rank = function (t) {
      if (t.id === opts.selected) return -Infinity;
      if (t.status === "RUNNING") return -1e300;
      return finite(t.best) ? sign * t.best : Infinity;
    };
    var order = trials.map(function (t, i) { return [rank(t), i]; });
    order.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]; });
    var keep = order.slice(0, MAX_LINES).map(function (p) { return p[1]; }).sort(function (a, b) { return a - b; });
    return {shown: keep.map(function (i) { return trials[i]; }),
            note: " (the best " + MAX_LINES + " of " + trials.length + " trials, and any running)"};
  }

  /* Learning curves: metric against training_iteration per trial; early stops as red x, failures as black x.
   * When every trial reported at most once, curves say nothing: the trials' values by trial number instead. */
  function curves(svg, trials, opts) {
    var size = clear(svg), metric = opts.metric || "metric";
    var withCurve = trials.filter(function (t) { return t.curve && t.curve.length; });
    var single = withCurve.every(function (t) { return t.curve.length <= 1; });
    var picked = single ? {shown: withCurve, note: ""} : pick(withCurve, opts), drawn = picked.shown;
    if (opts.onTitle) opts.onTitle(single && drawn.length ? "One report per trial: " + metric + " by trial"
                                                          : "Learning curves" + picked.note);
    if (!drawn.length) { empty(svg, size, "no trial reported " + metric + " yet"); return; }
    var points = drawn.map(function (t, i) {
      return single ? [[i, t.curve[0][1]]] : t.curve;
    });
    var xe = extent([].concat.apply([], points.map(function (p) { return p.map(function (q) { return q[0]; }); })));
    var ye = extent([].concat.apply([], points.map(function (p) { return p.map(function (q) { return q[1]; }); })));
    if (!ye) { empty(svg, size, "no finite value of " + metric + " yet"); return; }
    var xs = scale(xe[0], xe[1], M.left, size.w - M.right, false);
    var ys = scale(ye[0], ye[1], size.h - M.bottom, M.top, opts.logY);
    axes(svg, size, xs, ys, single ? "trial (in start order)" : "training_iteration", metric);
    var many = drawn.length > MAX_LINES, dots = [];
    drawn.forEach(function (t, i) {
      var p = points[i].filter(function (q) { return finite(q[1]); });
      if (!p.length) return;
      var c = color(i, drawn.length);
      if (single && many) {
        dots.push("M" + xs(p[0][0]).toFixed(1) + "," + ys(p[0][1]).toFixed(1) + "h0");
      } else if (single) {
        el(svg, "circle", {cx: xs(p[0][0]), cy: ys(p[0][1]), r: 4, fill: c, "class": "curve", "data-trial": t.id});
      } else {
        var d = p.map(function (q, j) { return (j ? "L" : "M") + xs(q[0]).toFixed(1) + "," + ys(q[1]).toFixed(1); });
        var path = el(svg, "path", {d: d.join(""), stroke: c, "class": "curve" + (t.id === opts.selected ? " selected" : ""),
                                   "data-trial": t.id});
        el(path, "title", {}, t.name + " (" + t.label + ")");
      }
      var last = p[p.length - 1];
      if (t.status === "ERROR") cross(svg, xs(last[0]), ys(last[1]), "fail-mark", t.name + ": failed");
      else if (isEarly(t)) cross(svg, xs(last[0]), ys(last[1]), "stop-mark", t.name + ": " + t.label);
    });
    if (dots.length) el(svg, "path", {d: dots.join(""), "class": "dots"});
  }

  /* Each trial's last value in start order and the best so far as a step line. */
  function history(svg, trials, opts) {
    var size = clear(svg), metric = opts.metric || "metric";
    var pts = [];
    trials.forEach(function (t, i) { if (finite(t.last)) pts.push([i, t.last]); });
    if (!pts.length) { empty(svg, size, "no trial reported " + metric + " yet"); return; }
    var ye = extent(pts.map(function (p) { return p[1]; }));
    var xs = scale(0, Math.max(trials.length - 1, 1), M.left, size.w - M.right, false);
    var ys = scale(ye[0], ye[1], size.h - M.bottom, M.top, false);
    axes(svg, size, xs, ys, "trial (in start order)", metric);
    var best = null, steps = [], many = pts.length > MAX_LINES, dots = [];
    pts.forEach(function (p) {
      if (best === null || (opts.mode === "max" ? p[1] > best : p[1] < best)) {
        if (best !== null) steps.push([p[0], best]);  /* the step: along at the old best, then down/up */
        best = p[1];
        steps.push([p[0], best]);
      }
      if (many) dots.push("M" + xs(p[0]).toFixed(1) + "," + ys(p[1]).toFixed(1) + "h0");
      else el(el(svg, "circle", {cx: xs(p[0]), cy: ys(p[1]), r: 3, "class": "dot"}), "title", {},
              trials[p[0]].name + ": " + fmt(p[1]));
    });
    if (many) el(svg, "path", {d: dots.join(""), "class": "dots"});  /* one node, not one per trial */
    steps.push([Math.max(trials.length - 1, 1), best]);
    var d = steps.map(function (q, j) { return (j ? "L" : "M") + xs(q[0]).toFixed(1) + "," + ys(q[1]).toFixed(1); });
    el(svg, "path", {d: d.join(""), "class": "best-line"});
  }

  function viridis(u) {  /* 0 → dark purple, 1 → yellow: a few stops of the viridis map */
    var stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
    u = Math.min(Math.max(u, 0), 1) * (stops.length - 1);
    var i = Math.min(Math.floor(u), stops.length - 2), f = u - i, a = stops[i], b = stops[i + 1];
    return "rgb(" + [0, 1, 2].map(function (k) { return Math.round(a[k] + f * (b[k] - a[k])); }).join(",") + ")";
  }

  /* One vertical axis per parameter plus the metric; log axes for the space's log parameters; categories spread
   * evenly; one line per trial coloured by its value (best trials brightest). */
  function parallel(svg, trials, opts) {
    var size = clear(svg), metric = opts.metric || "metric", logs = opts.logParams || [];
    var picked = pick(trials.filter(function (t) { return finite(t.last); }), opts), rows = picked.shown;
    if (opts.onParallelTitle) opts.onParallelTitle("Parallel coordinates" + picked.note);
    var names = [];
    rows.forEach(function (t) { Object.keys(t.config).forEach(function (k) { if (names.indexOf(k) < 0) names.push(k); }); });
    if (!rows.length || !names.length) { empty(svg, size, "no trial reported " + metric + " yet"); return; }
    var top = M.top + 8, bottom = size.h - M.bottom - 6;
    var step = (size.w - M.left - M.right - 60) / Math.max(names.length, 1);
    var columns = names.map(function (n) {
      var values = rows.map(function (t) { return t.config[n]; });
      var numeric = values.every(function (v) { return finite(v); });
      if (numeric) {
        var e = extent(values), s = scale(e[0], e[1], bottom, top, logs.indexOf(n) >= 0);
        return {name: n, pos: function (v) { return s(v); }, ticks: s.ticks(4).map(function (t) { return [s(t), fmt(t)]; }),
                log: s.log};
      }
      var cats = [];
      values.forEach(function (v) { var k = String(v); if (cats.indexOf(k) < 0) cats.push(k); });
      var at = function (k) { return cats.length < 2 ? (top + bottom) / 2 : bottom - cats.indexOf(k) / (cats.length - 1) * (bottom - top); };
      return {name: n, pos: function (v) { return at(String(v)); },
              ticks: cats.slice(0, 12).map(function (k) { return [at(k), k.slice(0, 18)]; }), log: false};
    });
    var me = extent(rows.map(function (t) { return t.last; }));
    var ms = scale(me[0], me[1], bottom, top, false);
    columns.push({name: metric, pos: ms, ticks: ms.ticks(4).map(function (t) { return [ms(t), fmt(t)]; }), log: false});
    var x = function (j) { return M.left + j * step; };
    rows.forEach(function (t) {
      var u = (t.last - me[0]) / ((me[1] - me[0]) || 1);
      if (opts.mode === "min") u = 1 - u;
      var d = columns.map(function (c, j) {
        var v = j < names.length ? t.config[c.name] : t.last;
        return (j ? "L" : "M") + x(j).toFixed(1) + "," + (v === undefined ? bottom : c.pos(v)).toFixed(1);
      });
      var line = el(svg, "path", {d: d.join(""), stroke: viridis(u), "class": "pc-line", "data-trial": t.id});
      el(line, "title", {}, t.name + ": " + fmt(t.last));
    });
    columns.forEach(function (c, j) {
      var g = el(svg, "g", {"class": "axis"});
      el(g, "line", {x1: x(j), y1: top, x2: x(j), y2: bottom});
      c.ticks.forEach(function (tk) { el(g, "text", {x: x(j) + 5, y: tk[0] + 4}, tk[1]); });
      el(g, "text", {x: x(j), y: size.h - M.bottom + 16, "text-anchor": "middle", "class": "pc-name"},
         c.name + (c.log ? " (log)" : ""));
    });
  }

  return {curves: curves, history: history, parallel: parallel, fmt: fmt};
})();
