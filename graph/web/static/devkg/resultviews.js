// Chart and Map views of SPARQL results for the query page, as YASR plugins beside Table and Response
// (as the Wikidata Query Service offers them). A view is offered only when the result suits it:
//   Chart: a label column (text, or IRIs) and one or more numeric columns: a bar chart (Chart.js);
//   Map:   a country column (devkg place IRIs such as .../id/place/PE, or ISO 3166 alpha-2 codes),
//          shaded by the first numeric column or by the number of rows, and/or a column of WKT
//          `POINT(lon lat)` literals (geo:asWKT), drawn as markers (Leaflet, world-atlas outlines).
// The libraries are loaded from this server when a view is first drawn; nothing inline, no eval.
(function () {
  "use strict";

  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
    "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"].map((t) => XSD + t));
  const NUMBER = "-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?";
  const POINT = new RegExp("^\\s*(?:<[^>]*>\\s*)?POINT\\s*\\(\\s*(" + NUMBER + ")\\s+(" + NUMBER + ")\\s*\\)\\s*$", "i");
  const ALPHA2 = /^[A-Z]{2}$/;
  const MAX_BARS = 200;
  const COLOURS = ["#2f6db5", "#d9822b", "#3a9b5b", "#b23b3b", "#7d5ba6", "#8c6d31", "#d45fa0", "#5f7f8f"];

  const options = { placeBase: "", countries: "/stats/countries.json", static: "/static/" };

  // ---- loading the libraries once, from this server -------------------------------------------
  const loading = {};
  function load(path) {
    const url = options.static + path;
    if (!loading[url]) {
      loading[url] = new Promise((resolve, reject) => {
        const css = url.endsWith(".css");
        const el = document.createElement(css ? "link" : "script");
        if (css) { el.rel = "stylesheet"; el.href = url; } else { el.src = url; }
        el.onload = () => resolve();
        el.onerror = () => reject(new Error("could not load " + url));
        document.head.appendChild(el);
      });
    }
    return loading[url];
  }
  let countryIndex = null;
  function countries() {
    countryIndex = countryIndex || fetch(options.countries, { headers: { Accept: "application/json" } })
      .then((r) => { if (!r.ok) throw new Error("countries: HTTP " + r.status); return r.json(); })
      .then((data) => {
        const byKey = new Map();
        for (const c of data.countries || []) {
          byKey.set(c.iri, c);
          if (c.code) byKey.set(c.code, c);
        }
        return byKey;
      });
    return countryIndex;
  }

  // ---- what the result holds --------------------------------------------------------------------
  function isLiteral(v) { return v.type === "literal" || v.type === "typed-literal"; }

  function countryKey(v) {
    if (v.type === "uri") {
      if (options.placeBase && v.value.startsWith(options.placeBase)) {
        const code = v.value.slice(options.placeBase.length);
        return ALPHA2.test(code) ? v.value : null;
      }
      return null;
    }
    if (isLiteral(v) && (!v.datatype || v.datatype === XSD + "string")) {
      const code = v.value.trim();
      return ALPHA2.test(code) ? code : null;
    }
    return null;
  }

  function kindOf(values) {
    if (!values.length) return "empty";
    if (values.every((v) => isLiteral(v) && NUMERIC.has(v.datatype) && v.value.trim() !== "" && isFinite(Number(v.value)))) {
      return "number";
    }
    if (values.every((v) => isLiteral(v) && POINT.test(v.value))) return "point";
    const placed = values.filter((v) => countryKey(v) !== null).length;
    if (placed && placed * 2 >= values.length) return "country";
    if (values.every((v) => v.type === "uri")) return "iri";
    if (values.every((v) => isLiteral(v))) return "text";
    return "mixed";
  }

  // {rows, vars, numbers, labels, country, point} for the result YASR holds, or null (no rows, an error)
  function shape(yasr) {
    const results = yasr.results;
    if (!results || results.hasError()) return null;
    if (results.devkgShape !== undefined) return results.devkgShape;
    let out = null;
    const json = results.getAsJson && results.getAsJson();
    const vars = results.getVariables ? results.getVariables() : [];
    const rows = json && json.results ? results.getBindings() : null;
    if (rows && rows.length && vars.length) {
      const cols = vars.map((name) => ({ name: name, kind: kindOf(rows.map((r) => r[name]).filter(Boolean)) }));
      const of = (kind) => cols.filter((c) => c.kind === kind);
      const numbers = of("number");
      let labels = of("text");
      if (!labels.length) labels = cols.filter((c) => c.kind === "iri" || c.kind === "country" || c.kind === "mixed");
      out = { rows: rows, vars: vars, numbers: numbers, labels: labels,
              country: of("country")[0] || null, point: of("point")[0] || null };
    }
    results.devkgShape = out;
    return out;
  }

  function display(yasr, v) {
    if (!v) return "";
    if (v.type !== "uri") return v.value;
    const prefixes = yasr.getPrefixes ? yasr.getPrefixes() : {};
    for (const p in prefixes) {
      const ns = prefixes[p];
      if (ns && v.value.startsWith(ns) && v.value.length > ns.length && !/[/#]/.test(v.value.slice(ns.length))) {
        return p + ":" + v.value.slice(ns.length);
      }
    }
    const m = /([^/#]+)[/#]?$/.exec(v.value);
    if (!m) return v.value;
    try { return decodeURIComponent(m[1]); } catch (e) { return m[1]; }
  }
  function rowLabel(yasr, s, row) {
    return s.labels.map((c) => display(yasr, row[c.name])).filter(Boolean).join(" · ") || "(no label)";
  }
  function fileName(yasr) {
    return (yasr.config.getDownloadFileName && yasr.config.getDownloadFileName()) || "devkg-query";
  }
  function svgIcon(paths) {
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("width", "15");
    svg.setAttribute("height", "15");
    svg.setAttribute("aria-hidden", "true");
    for (const d of paths) {
      const p = document.createElementNS(NS, "path");
      p.setAttribute("d", d);
      p.setAttribute("fill", "currentColor");
      svg.appendChild(p);
    }
    return svg;
  }
  function caption(text) {
    const p = document.createElement("p");
    p.className = "devkg-viewnote";
    p.textContent = text;
    return p;
  }

  // ---- Chart --------------------------------------------------------------------------------------
  class ChartView {
    constructor(yasr) {
      this.yasr = yasr;
      this.priority = 5;  // below Table (10): Table stays the first view
      this.label = "Chart";
      this.chart = null;
      this.canvas = null;
    }
    canHandleResults() {
      const s = shape(this.yasr);
      return !!(s && s.numbers.length && s.labels.length);
    }
    initialize() { return load("chart.js/chart.umd.js"); }
    getIcon() { return svgIcon(["M1 14h14v1H1zM2 8h2.5v5H2zM6.5 3H9v10H6.5zM11 6h2.5v7H11z"]); }
    draw() {
      const yasr = this.yasr, s = shape(yasr);
      const box = document.createElement("div");
      box.className = "devkg-chartbox";
      const canvas = document.createElement("canvas");
      canvas.className = "devkg-resultchart";
      canvas.setAttribute("role", "img");
      box.appendChild(canvas);
      yasr.resultsEl.appendChild(box);
      const rows = s.rows.slice(0, MAX_BARS);
      const labels = rows.map((r) => rowLabel(yasr, s, r));
      const two = s.numbers.length === 2;
      const datasets = s.numbers.map((c, i) => ({
        label: c.name,
        data: rows.map((r) => (r[c.name] ? Number(r[c.name].value) : null)),
        backgroundColor: COLOURS[i % COLOURS.length],
        xAxisID: two && i === 1 ? "x2" : "x",
      }));
      const whole = (c) => datasets[s.numbers.indexOf(c)].data.every((n) => n === null || Number.isInteger(n));
      const scales = {
        x: { position: "top", beginAtZero: true, title: { display: two, text: s.numbers[0].name },
             ticks: whole(s.numbers[0]) && (two || s.numbers.every(whole)) ? { precision: 0 } : {} },
        y: { ticks: { autoSkip: false, callback: function (value) {
          // labels get at most about 45% of the chart's width (7 px a character), whatever the screen
          const l = this.getLabelForValue(value), cut = Math.max(10, Math.floor((this.chart.width * 0.45) / 7));
          return l.length > cut ? l.slice(0, cut - 1) + "…" : l;
        } } },
      };
      if (two) {
        scales.x2 = { position: "bottom", beginAtZero: true, grid: { drawOnChartArea: false },
                      title: { display: true, text: s.numbers[1].name }, ticks: whole(s.numbers[1]) ? { precision: 0 } : {} };
      }
      canvas.setAttribute("aria-label", "Bar chart of " + s.numbers.map((c) => c.name).join(", ") + " per " +
                          s.labels.map((c) => c.name).join(", "));
      box.style.height = Math.max(220, 90 + rows.length * (datasets.length > 1 ? 14 + 12 * datasets.length : 24)) + "px";
      this.chart = new window.Chart(canvas, {
        type: "bar",
        data: { labels: labels, datasets: datasets },
        options: {
          indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false, scales: scales,
          plugins: { legend: { display: datasets.length > 1 },
                     tooltip: { callbacks: { title: (items) => labels[items[0].dataIndex] } } },
        },
      });
      this.canvas = canvas;
      if (s.rows.length > rows.length) {
        yasr.resultsEl.appendChild(caption("The chart shows the first " + rows.length + " of " + s.rows.length + " rows."));
      }
      canvas.dataset.ready = String(rows.length);
    }
    download() {
      if (!this.canvas) return undefined;
      const canvas = this.canvas;
      return { contentType: "image/png", getData: () => canvas.toDataURL("image/png"),
               filename: fileName(this.yasr) + ".png", title: "Download the chart (PNG)" };
    }
    destroy() {
      if (this.chart) this.chart.destroy();
      this.chart = null;
      this.canvas = null;
    }
  }

  // ---- Map ----------------------------------------------------------------------------------------
  class MapView {
    constructor(yasr) {
      this.yasr = yasr;
      this.priority = 4;
      this.label = "Map";
      this.map = null;
    }
    canHandleResults() {
      const s = shape(this.yasr);
      return !!(s && (s.country || s.point));
    }
    initialize() {
      return Promise.all([load("leaflet/leaflet.css"), load("leaflet/leaflet.js"), load("topojson-client/topojson-client.min.js")])
        .then(() => load("devkg/maps.js"));
    }
    getIcon() {
      return svgIcon(["M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zm0 1.2c.7 0 1.6 1.2 2 3.3H6c.4-2.1 1.3-3.3 2-3.3zM5.7 2.8" +
        "C5.3 3.6 5 4.5 4.8 5.5H2.9a5.8 5.8 0 0 1 2.8-2.7zm4.6 0a5.8 5.8 0 0 1 2.8 2.7h-1.9c-.2-1-.5-1.9-.9-2.7zM2.4 " +
        "6.7h2.3a14 14 0 0 0 0 2.6H2.4a5.8 5.8 0 0 1 0-2.6zm3.5 0h4.2a12 12 0 0 1 0 2.6H5.9a12 12 0 0 1 0-2.6zm5.4 " +
        "0h2.3a5.8 5.8 0 0 1 0 2.6h-2.3a14 14 0 0 0 0-2.6zM2.9 10.5h1.9c.2 1 .5 1.9.9 2.7a5.8 5.8 0 0 1-2.8-2.7zm3.1 " +
        "0h4c-.4 2.1-1.3 3.3-2 3.3s-1.6-1.2-2-3.3zm5.2 0h1.9a5.8 5.8 0 0 1-2.8 2.7c.4-.8.7-1.7.9-2.7z"]);
    }
    draw() {
      const yasr = this.yasr, s = shape(yasr);
      const el = document.createElement("div");
      el.className = "devkg-resultmap";
      el.setAttribute("role", "region");
      el.setAttribute("aria-label", "Map of the results");
      yasr.resultsEl.appendChild(el);
      const note = caption("");
      yasr.resultsEl.appendChild(note);
      const value = s.numbers[0] || null;
      return (s.country ? countries() : Promise.resolve(new Map())).then((index) => {
        const shaded = {}, missing = new Set(), points = [];
        for (const row of s.rows) {
          const n = value && row[value.name] ? Number(row[value.name].value) : 1;
          const cell = s.country && row[s.country.name];
          const key = cell ? countryKey(cell) : null;
          const c = key ? index.get(key) : null;
          if (cell && !c) missing.add(display(yasr, cell));
          if (c) {
            const entry = shaded[c.m49] || (shaded[c.m49] = { label: c.label, value: 0 });
            entry.value += n;
          }
          const wkt = s.point && row[s.point.name] && POINT.exec(row[s.point.name].value);
          if (wkt) {
            const lon = Number(wkt[1]), lat = Number(wkt[2]);
            if (Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
              const parts = s.labels.filter((l) => l !== s.point).map((l) => display(yasr, row[l.name])).filter(Boolean);
              s.numbers.forEach((c2) => { if (row[c2.name]) parts.push(c2.name + " " + row[c2.name].value); });
              points.push({ lat: lat, lon: lon, label: parts.join(" · ") || row[s.point.name].value });
            }
          }
        }
        const what = value ? value.name : "rows";
        for (const m49 in shaded) {
          const e = shaded[m49];
          e.tip = e.label + ": " + (value ? what + " " + e.value.toLocaleString("en") : e.value + " row" + (e.value === 1 ? "" : "s"));
        }
        return window.devkgMaps.render(el, { countries: shaded, points: points, fit: true }).then((drawn) => {
          this.map = drawn.map;
          const unplaced = Object.keys(shaded).filter((m) => drawn.placed.indexOf(m) < 0).map((m) => shaded[m].label);
          const parts = [];
          if (s.country) parts.push(drawn.placed.length + " countr" + (drawn.placed.length === 1 ? "y" : "ies") +
                                    " shaded by " + (value ? "?" + value.name : "the number of rows") + " (darker is more).");
          if (points.length) parts.push(points.length + " point" + (points.length === 1 ? "" : "s") + " from ?" + s.point.name + ".");
          if (unplaced.length) parts.push("Too small for the outlines at this scale: " + unplaced.join(", ") + ".");
          if (missing.size) parts.push("Not a country: " + Array.from(missing).slice(0, 8).join(", ") + (missing.size > 8 ? "…" : "") + ".");
          note.textContent = parts.join(" ");
        });
      }).catch((e) => { el.textContent = "The map could not be drawn: " + e.message; });
    }
    destroy() {
      if (this.map) this.map.remove();
      this.map = null;
    }
  }

  window.devkgResultViews = {
    // Register the views with YASR (before YASGUI is made); `opts.placeBase` is where devkg's place IRIs live.
    register: function (Yasr, opts) {
      Object.assign(options, opts || {});
      Yasr.registerPlugin("chart", ChartView);
      Yasr.registerPlugin("map", MapView);
      Yasr.defaults.pluginOrder = ["table", "chart", "map", "response"];
    },
    shape: shape,
  };
})();
