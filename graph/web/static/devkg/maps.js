// devkg's maps and charts, drawn offline with the vendored Leaflet, world-atlas outlines and Chart.js.
// Data comes from JSON data blocks or /stats/*.json; no inline script, no remote request.
(function () {
  "use strict";

  function readData(el) {
    if (el.dataset.inline) {
      var block = document.getElementById(el.dataset.inline);
      return Promise.resolve(block ? JSON.parse(block.textContent) : null);
    }
    return fetch(el.dataset.source, { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); });
  }

  var outlines = null;
  function worldOutlines() {
    outlines = outlines || fetch("/static/world-atlas/countries-110m.json").then(function (r) { return r.json(); })
      .then(function (topo) {
        var world = topojson.feature(topo, topo.objects.countries);
        world.features = world.features.filter(function (f) { return f.id !== "010"; });  // Antarctica: no projects, much area
        world.features.forEach(function (f) { unwrap(f.geometry); });
        return world;
      });
    return outlines;
  }

  // A ring crossing the antimeridian (Fiji, Chukotka) would be drawn across the whole map: move its
  // western points east by 360 degrees so that it stays in one piece.
  function unwrap(geometry) {
    if (!geometry) return;
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    polygons.forEach(function (rings) {
      rings.forEach(function (ring) {
        var east = ring.some(function (p) { return p[0] > 160; }), west = ring.some(function (p) { return p[0] < -160; });
        if (east && west) ring.forEach(function (p) { if (p[0] < 0) p[0] += 360; });
      });
    });
  }

  function shade(n, max) {
    if (!n) return "#f2f2f2";
    var t = Math.log(1 + n) / Math.log(1 + max);
    var light = Math.round(85 - t * 55);
    return "hsl(215, 70%, " + light + "%)";
  }

  // Draw `data` ({countries: {m49: {label, projects | value, tip?, href?}}, points: [{lat, lon, label}], fit})
  // into `el`; resolves to the Leaflet map and the M49 codes that have an outline at this scale.
  function render(el, data) {
    return worldOutlines().then(function (world) {
      var countries = data.countries || {}, points = data.points || [];
      var value = function (c) { return c.value !== undefined ? c.value : c.projects; };
      var max = 1;
      Object.keys(countries).forEach(function (k) { max = Math.max(max, value(countries[k]) || 1); });
      var map = L.map(el, { worldCopyJump: false, minZoom: 1, maxZoom: 8, zoomSnap: 0.25, attributionControl: true });
      map.attributionControl.setPrefix(false).addAttribution("Outlines: Natural Earth via world-atlas");
      var chosen = [], placed = [];
      var outlines = L.geoJSON(world, {
        style: function (f) {
          var c = countries[f.id];
          return { color: "#999", weight: 0.6, fillOpacity: 1, fillColor: c ? shade(value(c) || 1, max) : "#f2f2f2" };
        },
        onEachFeature: function (f, lyr) {
          var c = countries[f.id];
          if (!c) return;
          chosen.push(lyr);
          placed.push(f.id);
          var tip = document.createElement("span");
          tip.textContent = c.tip || (c.label + (c.projects ? ": " + c.projects + " project" + (c.projects === 1 ? "" : "s") : ""));
          lyr.bindTooltip(tip, { sticky: true });
          if (c.href) lyr.on("click", function () { window.location.href = c.href; });
        }
      });
      // the view first (the chosen countries and the points), then the layers
      var bounds = data.fit && chosen.length ? L.featureGroup(chosen).getBounds() : null;
      if (data.fit) points.forEach(function (p) { bounds = bounds ? bounds.extend([p.lat, p.lon]) : L.latLngBounds([p.lat, p.lon], [p.lat, p.lon]); });
      if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 5 });
      else map.fitBounds([[-56, -170], [78, 190]]);
      outlines.addTo(map);
      points.forEach(function (p) {
        var m = L.circleMarker([p.lat, p.lon], { radius: 6, color: "#b22", weight: 2, fillOpacity: 0.7 }).addTo(map);
        if (p.label) { var t = document.createElement("span"); t.textContent = p.label; m.bindTooltip(t); }
      });
      el.dataset.ready = String(chosen.length + points.length);
      return { map: map, placed: placed };
    });
  }

  function drawMap(el) {
    readData(el).then(function (data) { return render(el, data || {}); })
      .catch(function (e) { el.textContent = "The map could not be drawn: " + e; });
  }

  window.devkgMaps = { render: render };

  function drawSdgChart(el) {
    readData(el).then(function (data) {
      var goals = (data && data.goals) || [];
      var currency = el.dataset.currency || "USD";
      var colours = ["#e5243b", "#dda63a", "#4c9f38", "#c5192d", "#ff3a21", "#26bde2", "#fcc30b", "#a21942", "#fd6925",
        "#dd1367", "#fd9d24", "#bf8b2e", "#3f7e44", "#0a97d9", "#56c02b", "#00689d", "#19486a"];
      var colour = function (g) { return colours[(parseInt(g.goal, 10) - 1) % colours.length] || "#888"; };
      var chart = new Chart(el, {
        type: "bar",
        data: {
          labels: goals.map(function (g) { return "SDG " + g.goal; }),
          datasets: [
            { label: "Projects", data: goals.map(function (g) { return g.projects; }), backgroundColor: goals.map(colour), xAxisID: "x" },
            { label: "Total budgets (" + currency + ", millions)", data: goals.map(function (g) { return (Number(g.budgets[currency] || 0) / 1e6); }),
              backgroundColor: "rgba(80,80,80,0.35)", xAxisID: "x2" }
          ]
        },
        options: {
          indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
          scales: { x: { position: "top", title: { display: true, text: "projects" }, ticks: { precision: 0 } },
                    x2: { position: "bottom", grid: { drawOnChartArea: false }, title: { display: true, text: currency + " millions" } } },
          plugins: { tooltip: { callbacks: { title: function (items) { var g = goals[items[0].dataIndex]; return "SDG " + g.goal + " " + g.title; } } } },
          onClick: function (evt, els) { if (els.length) window.location.href = goals[els[0].index].href; }
        }
      });
      el.parentNode.style.height = Math.max(220, 120 + goals.length * 44) + "px";
      chart.resize();
      el.dataset.ready = String(goals.length);
    }).catch(function (e) { el.parentNode.textContent = "The chart could not be drawn: " + e; });
  }

  function start() {
    if (window.L) document.querySelectorAll(".worldmap").forEach(drawMap);
    if (window.Chart) document.querySelectorAll("canvas.sdgchart").forEach(drawSdgChart);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
