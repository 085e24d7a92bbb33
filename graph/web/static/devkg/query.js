// The query page: YASGUI on devkg's endpoint, with
// - example questions that load into the editor and run, and an address that says what ran:
//   /sparql?example=05-projects-per-sdg-goal (or ?example=05) for an example, /sparql#query=... for any
//   other query; opening such an address loads the query and runs it;
// - the editor on the question, not its prologue: the endpoint presets devkg's prefixes, so the editor's
//   syntax check knows them too and examples are shown without the PREFIX lines;
// - errors as a message with line and column (the endpoint's JSON error body, read), the line marked;
// - downloads of the results in CSV, TSV, JSON, XML (graphs: Turtle, N-Triples, JSON-LD) with a file
//   name such as devkg-05-projects-per-sdg-goal.csv;
// - Chart and Map views beside the table when the result suits them (resultviews.js).
(function () {
  "use strict";

  const RESULT_FORMATS = [["csv", "CSV", "csv"], ["tsv", "TSV", "tsv"], ["json", "JSON", "json"], ["xml", "XML", "xml"]];
  const GRAPH_FORMATS = [["ttl", "Turtle", "ttl"], ["nt", "N-Triples", "nt"], ["jsonld", "JSON-LD", "jsonld"]];
  const VIEWS = { table: "table", chart: "chart", barchart: "chart", map: "map", response: "response" };

  function start(root, config) {
    const examples = config.examples, endpoint = config.endpoint;
    const Yasgui = window.Yasgui;
    const byName = (name) => name && examples.find((e) => e.name === name || e.name.startsWith(name + "-"));

    presetPrefixes(Yasgui.Yasqe, config.prefixes);
    Yasgui.Yasqe.defaults.autocompleters = ["variables"];  // the others fetch from prefix.cc and LOV
    Yasgui.Yasr.defaults.errorRenderers = [(error) => Promise.resolve(renderError(error))];
    window.devkgResultViews.register(Yasgui.Yasr, { placeBase: config.placeBase, countries: config.countries });

    // What the address asks for: ?example=NAME, or #query=TEXT.
    const params = new URLSearchParams(location.search);
    const fromHash = new URLSearchParams(location.hash.slice(1)).get("query");
    const asked = byName(params.get("example"));
    const initial = asked ? asked.body : fromHash !== null ? fromHash : examples.length ? examples[0].body
      : "SELECT * WHERE { ?s ?p ?o } LIMIT 10\n";

    const yasgui = new Yasgui(root, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false, endpointCatalogueOptions: { getData: () => [] },
      persistenceId: null, populateFromUrl: false,
      yasqe: { value: initial },
    });
    window.devkgYasgui = yasgui;
    const tab = yasgui.getTab(), yasqe = tab.getYasqe(), yasr = tab.getYasr();
    yasqe.getInputField().setAttribute("aria-label", "SPARQL query");  // CodeMirror's typing box has no label
    // A long query scrolls in CodeMirror's own region, which holds nothing focusable: keyboard users reach it here.
    const scroller = yasqe.getScrollerElement();
    scroller.setAttribute("tabindex", "0");
    scroller.setAttribute("role", "region");
    scroller.setAttribute("aria-label", "SPARQL query, scrollable");

    // The example (if any) whose text is in the editor: names downloads and the address.
    const current = () => examples.find((e) => e.body.trim() === yasqe.getValue().trim()) || null;
    const baseName = () => { const e = current(); return e ? "devkg-" + e.name : "devkg-query"; };
    yasr.config.getDownloadFileName = baseName;
    const address = () => {
      const e = current();
      return location.pathname + (e ? "?example=" + encodeURIComponent(e.name) : "#query=" + encodeURIComponent(yasqe.getValue()));
    };
    yasqe.config.createShareableLink = () => location.origin + address();

    // Examples: load, run, say which one it is.
    const about = document.getElementById("example-about");
    function showCurrent() {
      const e = current();
      for (const b of document.querySelectorAll("button.example")) {
        b.setAttribute("aria-pressed", String(!!e && b.dataset.name === e.name));
      }
      if (about) {
        about.hidden = !e;
        about.textContent = "";
        if (e) {
          const strong = document.createElement("strong");
          strong.textContent = e.title;
          about.append(strong, ": " + e.description);
        }
      }
    }
    function run(text) {
      if (text !== undefined) yasqe.setValue(text);
      tab.query().catch(() => {});
    }
    for (const b of document.querySelectorAll("button.example")) {
      b.addEventListener("click", () => { const e = byName(b.dataset.name); if (e) run(e.body); });
    }

    // Each run: the address says what ran; the view the query asks for (#defaultView:Map, as on
    // query.wikidata.org) is chosen; the error mark of the last run goes.
    let sent = "";
    tab.on("query", () => {
      sent = yasqe.getValue();
      history.replaceState(null, "", address());
      clearMark();
      showCurrent();
    });
    tab.on("queryResponse", () => {
      const m = /#\s*defaultView\s*:\s*(\w+)/i.exec(sent);
      const view = m && VIEWS[m[1].toLowerCase()];
      if (view) yasr.selectedPlugin = view;  // YASR's own field: selectPlugin() would redraw the old result
    });
    // Chart and Map are offered once a result suits them (YASR enables them after each result).
    for (const view of ["chart", "map"]) {
      const button = yasr.headerEl.querySelector(".select_" + view);
      if (button) button.classList.add("disabled");
    }
    // A view that cannot show a result falls back to the table, without YASR's notice about it.
    yasr.on("drawn", (_yasr, plugin) => {
      const name = Object.keys(yasr.plugins).find((n) => yasr.plugins[n] === plugin);
      if (name && !plugin.hideFromSelection) yasr.selectedPlugin = name;
      yasr.emptyFallbackElement();
      // the table's page-size menu comes without a name for screen readers
      for (const s of yasr.rootEl.querySelectorAll("select.tableSizer")) s.setAttribute("aria-label", "Rows per page");
    });

    // Errors: the endpoint's JSON error, read, with the line marked in the editor.
    let mark = null;
    function clearMark() {
      if (mark !== null) yasqe.removeLineClass(mark, "background", "devkg-error-line");
      mark = null;
    }
    function renderError(error) {
      let title = "The query failed", message = (error && error.text) || "";
      try {
        const body = JSON.parse(message);
        if (body && body.error) { title = body.error.title || title; message = body.error.message || ""; }
      } catch (e) { /* not JSON: a network error, or a proxy's page */ }
      if (!message) message = "No answer from the endpoint; check the connection and try again.";
      const box = document.createElement("div");
      box.className = "devkg-error";
      box.setAttribute("role", "alert");
      const head = document.createElement("p");
      head.className = "devkg-error-title";
      box.appendChild(head);
      const where = /^error at (\d+):(\d+): ([\s\S]*)$/.exec(message);
      if (!where) {
        head.textContent = title;
        const p = document.createElement("p");
        p.textContent = message;
        box.appendChild(p);
        return box;
      }
      const line = Number(where[1]), column = Number(where[2]);
      const lines = sent.split("\n");
      const text = lines[line - 1] !== undefined ? lines[line - 1] : "";
      head.textContent = "Syntax error at line " + line + ", column " + column;
      const p = document.createElement("p");
      p.textContent = explain(where[3], text.slice(0, column - 1), config.prefixes);
      box.appendChild(p);
      const pre = document.createElement("pre");
      pre.className = "devkg-error-where";
      const gutter = String(line).length;
      pre.textContent = line + " | " + text + "\n" + " ".repeat(gutter) + " | " + " ".repeat(Math.max(0, column - 1)) + "^";
      box.appendChild(pre);
      if (yasqe.getValue() === sent && line - 1 < yasqe.lineCount()) {
        clearMark();
        mark = yasqe.addLineClass(line - 1, "background", "devkg-error-line");
      }
      return box;
    }
    yasqe.on("change", () => clearMark());

    // Downloads: links to the endpoint with format=, named after the example.
    const downloads = document.getElementById("downloads");
    const links = downloads ? downloads.querySelector(".links") : null;
    const chip = yasr.headerEl.querySelector(".yasr_response_chip");
    if (downloads && chip) chip.after(downloads);  // beside "4 results in 0.1 seconds"
    let pending = 0;
    function updateDownloads() {
      if (!links) return;
      const type = (yasqe.getQueryType && yasqe.getQueryType()) || "SELECT";
      const graph = type === "CONSTRUCT" || type === "DESCRIBE";
      const formats = graph ? GRAPH_FORMATS : type === "ASK" ? RESULT_FORMATS.slice(2) : RESULT_FORMATS;
      const query = yasqe.getValue(), name = baseName();
      links.textContent = "";
      formats.forEach(([format, label, ext], i) => {
        if (i) links.append(" · ");
        const a = document.createElement("a");
        a.textContent = label;
        a.download = name + "." + ext;
        a.dataset.format = format;
        const url = endpoint + "?format=" + format + "&query=" + encodeURIComponent(query);
        a.href = url.length <= 6000 ? url : endpoint;
        if (url.length > 6000) a.addEventListener("click", (ev) => { ev.preventDefault(); post(query, format, a.download); });
        links.appendChild(a);
      });
      downloads.hidden = yasqe.getQueryMode && yasqe.getQueryMode() === "update";
    }
    function post(query, format, filename) {  // a query too long for a link: POST it, save the answer
      fetch(endpoint, { method: "POST", body: new URLSearchParams({ query: query, format: format }) })
        .then((r) => { if (!r.ok) throw new Error("HTTP " + r.status); return r.blob(); })
        .then((blob) => {
          const url = URL.createObjectURL(blob), a = document.createElement("a");
          a.href = url;
          a.download = filename;
          a.click();
          setTimeout(() => URL.revokeObjectURL(url), 10000);
        })
        .catch((e) => window.alert("The download failed: " + e.message));
    }
    yasqe.on("change", () => {
      clearTimeout(pending);
      pending = setTimeout(() => { updateDownloads(); showCurrent(); }, 250);
    });
    // An address with another #query=, pasted into this page's address bar, runs that query.
    window.addEventListener("hashchange", () => {
      const text = new URLSearchParams(location.hash.slice(1)).get("query");
      if (text !== null && text !== yasqe.getValue()) run(text);
    });
    updateDownloads();
    showCurrent();
    if (asked || fromHash !== null) {
      // on a phone, someone who follows a link to a query came for its answer: fold the examples away
      const list = document.querySelector("details.examples");
      if (list && window.matchMedia("(max-width: 40rem)").matches) list.open = false;
      run();
    }
    return yasgui;
  }

  // The parser's "expected one of ..." without its character classes, or what an unknown prefix means.
  function explain(detail, before, prefixes) {
    const m = /^expected (?:one of )?([\s\S]*)$/.exec(detail.trim());
    if (!m) return detail;
    if (/Prefix not found/.test(m[1])) {
      const used = Array.from(before.matchAll(/(?:^|[^\w<"'?$:.-])([A-Za-z][\w.-]*)?:(?![/\\])/g), (x) => x[1] || "")
        .filter((p) => !(p in prefixes));
      const which = used.length ? "The prefix " + used[used.length - 1] + ": is not declared" : "A prefix is not declared";
      return which + ": add a PREFIX line for it, or use a preset one (" + Object.keys(prefixes).join(", ") + ").";
    }
    const rest = m[1].replace(/\[(?:'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|[^\]'"])*\]/g, "");
    const items = Array.from(rest.matchAll(/\s*("(?:\\.|[^"\\])*"|[^,]+)/g), (x) => x[1].trim())
      .filter((s) => s && s !== "|");
    if (!items.length) return "Unexpected character here.";
    const shown = items.slice(0, 14).join(", ") + (items.length > 14 ? ", …" : "");
    return "Expected " + (items.length === 1 ? "" : "one of ") + shown + ".";
  }

  // YASQE's syntax check flags a prefix no PREFIX line declares; the endpoint presets devkg's, so
  // the editor's SPARQL mode starts with them declared.
  function presetPrefixes(Yasqe, prefixes) {
    const factory = Yasqe.modes && Yasqe.modes.sparql11;
    if (typeof factory !== "function" || factory.devkgPreset) return;
    const wrapped = function (conf, parserConf) {
      const mode = factory(conf, parserConf);
      const startState = mode.startState;
      mode.startState = function () {
        const state = startState.apply(this, arguments);
        state.prefixes = Object.assign({}, prefixes, state.prefixes);
        return state;
      };
      return mode;
    };
    wrapped.devkgPreset = true;
    Yasqe.defineMode("sparql11", wrapped);
  }

  window.devkgQuery = { start: start, explain: explain };
})();
