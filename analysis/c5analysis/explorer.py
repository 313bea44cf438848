"""explorer.py — explorer.html: one self-contained page to browse a file's variants.

No server and no network at view time: the data are embedded as JSON and drawn by plain
JavaScript into SVG, both written here (no third-party code). A slider and a list pick the
variant; the map (country outlines from gmt-dcw, as on the report's map), the per-state table
and the marker on the cooperation curve are redrawn for it. When the file holds an event log,
a time slider replays replicate 0 of the variant: threats moving between the regions of their
events, detected, shared (a report sent), stopped (interdicted) or impacting.

The page opens at the variant named in the URL (#variant=K), and #selftest makes it move its
own slider and record whether the map changed, which tests/python/test_explorer.py reads from
the DOM that headless Chromium prints.
"""
import html
import json

import numpy as np

from .findings import cost_parts, paired
from .stats import mean_ci

MAX_EVENTS = 20000       # per variant (replicate 0): enough for a year of the baseline
SVG_WIDTH, SVG_HEIGHT = 900, 640  # the map's size in the page (W, H in the script)
OUTLINE_SPACING = 0.08   # degrees between outline points in the page: about one pixel


def _round(values, digits=4):
    return [round(float(v), digits) if np.isfinite(v) else None for v in np.asarray(values)]


def _ci(values):
    mean, low, high = mean_ci(np.asarray(values, dtype=float)[:, None], axis=0)
    return [round(float(mean[0]), 4), round(float(low[0]), 4), round(float(high[0]), 4)]


def _outlines(results, view):
    from .geomap import ISO2, countries_in, resample

    # The page's SVG is wider than the view (it keeps the aspect): outline what it shows.
    west, east, south, north = view
    squeeze = np.cos(np.deg2rad((south + north) / 2))
    scale = min((SVG_WIDTH - 20) / ((east - west) * squeeze), (SVG_HEIGHT - 20) / (north - south))
    shown = (west, west + SVG_WIDTH / (squeeze * scale), north - SVG_HEIGHT / scale, north)
    countries = countries_in(*[round(v, 3) for v in shown]) or {}
    own = {ISO2.get(code): code for code in results.state_codes}
    shapes = []
    for code, segments in countries.items():
        for segment in segments:
            points = np.round(resample(segment, OUTLINE_SPACING), 2).tolist()
            shapes.append({"c": own.get(code, ""), "p": points})
    return shapes


def _events(results, variant):
    """Replicate 0's events of a variant, compact: [tick, kind, threat, region, state]."""
    import h5py

    with h5py.File(results.path, "r") as h5:
        group = h5[variant.group]
        if "events" not in group:
            return None, []
        dataset = group["events"]
        kinds = [k.decode() if isinstance(k, bytes) else str(k)
                 for k in dataset.attrs.get("kind_names", [])]
        # Events are appended in replicate order: replicate 0 is a prefix of the log.
        head = dataset[:min(len(dataset), 4 * MAX_EVENTS)]
    head = head[(head["replicate"] == 0) & (head["threat"] >= 0)][:MAX_EVENTS]
    # Threat ids are 64-bit hashes, beyond JavaScript's exact integers: number them 0, 1, ...
    _, threat = np.unique(head["threat"], return_inverse=True)
    rows = np.column_stack([head["tick"], head["kind"], threat, head["region"],
                            head["state"]]).astype(int).tolist()
    return kinds, rows


def busiest_tick(events):
    """The tick with the most threats under way in replicate 0 (where the replay opens)."""
    if not events:
        return 0
    rows = np.asarray(events)
    first = {}
    last = {}
    for tick, _, threat, _, _ in rows:
        first.setdefault(threat, tick)
        last[threat] = tick
    span = np.zeros(int(rows[:, 0].max()) + 2, dtype=int)
    for threat, start in first.items():
        span[start] += 1
        span[last[threat] + 1] -= 1
    return int(np.argmax(np.cumsum(span)))


def page_data(results):
    """Everything the page draws, as plain JSON-able Python."""
    from .figures import sweep_axis, sweep_value_names
    from .geomap import WATERS, _view, non_geographic

    regions = results.regions
    lon = regions["lon"].to_numpy(dtype=float)
    lat = regions["lat"].to_numpy(dtype=float)
    apart = non_geographic(regions)
    placed = ~apart
    view = _view(lon[placed] if placed.any() else lon, lat[placed] if placed.any() else lat)
    codes = results.state_codes
    variants = []
    kinds = None
    for variant in results.variants:
        parts = cost_parts(variant)
        states = []
        for s in range(len(codes) + 1):
            def column(data):
                return data.sum(axis=1) if s == len(codes) else data[:, s]
            row = {name: _ci(column(data)) for name, data in parts.items()}
            row["loss"] = _ci(column(variant.totals["loss"]))
            states.append(row)
        diff = {}
        if variant.index != results.reference:
            for metric in ("harm", "loss"):
                mean, low, high, _ = paired(results, variant.index,
                                            lambda v, m=metric: v.totals[m])
                diff[metric] = [_round(mean), _round(low), _round(high)]
        region_means = {m: _round(d.mean(axis=0), 3) for m, d in variant.regions.items()}
        event_kinds, events = _events(results, variant)
        kinds = kinds or event_kinds
        variants.append({"label": variant.label, "replicates": variant.replicates,
                         "states": states, "diff": diff, "regions": region_means,
                         "events": events, "busy": busiest_tick(events)})
    path, x = sweep_axis(results)
    names = sweep_value_names(results)
    return {
        "title": results.scenario_name, "codes": codes, "names": list(results.states["name"]),
        "reference": results.reference, "tick_unit": results.tick_unit,
        "ticks": int(results.attrs.get("ticks", 0) or 0),
        "view": [round(v, 3) for v in view], "outlines": _outlines(results, view),
        "waters": [w for w in WATERS if view[0] < w[1] < view[1] and view[2] < w[2] < view[3]],
        "regions": [{"id": r["id"], "name": r["name"], "owner": int(r["owner"]),
                     "lon": float(r["lon"]), "lat": float(r["lat"]), "apart": bool(a)}
                    for (_, r), a in zip(regions.iterrows(), apart)],
        "routes": [[int(r["from"]), int(r["to"])] for _, r in results.routes.iterrows()],
        "axis": None if path is None else {"path": path, "x": _round(x),
                                           "names": names},
        "variants": variants, "kinds": kinds or [],
    }


def write(results, out_path):
    """Write explorer.html; return its path."""
    data = json.dumps(page_data(results), separators=(",", ":"), allow_nan=False)
    # "</" inside a script element would end it early; JSON allows the escape "<\/".
    data = data.replace("</", "<\\/")
    title = html.escape(f"c5sim explorer: {results.scenario_name}")
    with open(out_path, "w", encoding="utf-8") as handle:
        handle.write(PAGE.replace("%TITLE%", title).replace("%DATA%", data)
                     .replace("%SCRIPT%", SCRIPT))
    return out_path


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%TITLE%</title>
<style>
body{font-family:sans-serif;margin:1em 2em;color:#222}
h1{font-size:1.3em}#controls{display:flex;gap:1.5em;align-items:center;flex-wrap:wrap}
#controls label{font-weight:bold}input[type=range]{width:22em}
#main{display:flex;gap:1.5em;flex-wrap:wrap;margin-top:1em}
svg{background:#fff;border:1px solid #bbb}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
td,th{border:1px solid #bbb;padding:2px 7px;text-align:right}th{background:#eee}
td:first-child,th:first-child{text-align:left}.note{color:#555;font-size:.85em;max-width:60em}
</style></head><body>
<h1>%TITLE%</h1>
<div id="controls">
 <div><label for="variant">Variant</label> <input type="range" id="variant" min="0" value="0">
  <select id="variant-list"></select></div>
 <div id="time-box"><label for="tick">Time</label> <input type="range" id="tick" min="0" value="0">
  <span id="tick-text"></span> <button id="play" type="button">play</button></div>
</div>
<p class="note" id="summary"></p>
<div id="main">
 <svg id="map" width="900" height="640" role="img" aria-label="regional map"></svg>
 <div><h2 style="font-size:1em">Per state (harm units per run, mean and 95% CI over replicates)</h2>
  <table id="states"></table>
  <h2 style="font-size:1em" id="curve-title">Cooperation curve</h2>
  <svg id="curve" width="480" height="300" role="img" aria-label="cooperation curve"></svg>
  <p class="note">Loss = harm + sharing cost + measure cost (a measure's cost is charged 1/N
  to each of the N states). Changes are paired against the reference variant (common random
  numbers); intervals cover replicate noise.</p></div>
</div>
<pre id="selftest" hidden></pre>
<script id="data" type="application/json">%DATA%</script>
<script>%SCRIPT%</script>
</body></html>
"""

SCRIPT = r"""
"use strict";
const D = JSON.parse(document.getElementById("data").textContent);
const NS = "http://www.w3.org/2000/svg";
const W = 900, H = 640;
const [WEST, EAST, SOUTH, NORTH] = D.view;
const SQUEEZE = Math.cos((SOUTH + NORTH) / 2 * Math.PI / 180);
const SCALE = Math.min((W - 20) / ((EAST - WEST) * SQUEEZE), (H - 20) / (NORTH - SOUTH));
function px(lon, lat) {
  return [10 + (lon - WEST) * SQUEEZE * SCALE, 10 + (NORTH - lat) * SCALE];
}
function el(name, attrs, parent, text) {
  const node = document.createElementNS(NS, name);
  for (const key in attrs) node.setAttribute(key, attrs[key]);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}
function fmt(v) {
  if (v === null || v === undefined || !isFinite(v)) return "n/a";
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return "0";
  return v.toPrecision(3);
}
function ci(t) { return fmt(t[0]) + " (" + fmt(t[1]) + " to " + fmt(t[2]) + ")"; }
// Colour scales: harm from pale yellow to red; a change from blue (less) to red (more).
function heat(f) {
  f = Math.max(0, Math.min(1, f));
  return "rgb(255," + Math.round(245 - 200 * f) + "," + Math.round(200 - 190 * f) + ")";
}
function diverging(f) {
  f = Math.max(-1, Math.min(1, f));
  if (f < 0) return "rgb(" + Math.round(255 + 190 * f) + "," + Math.round(255 + 120 * f) + ",255)";
  return "rgb(255," + Math.round(255 - 190 * f) + "," + Math.round(255 - 190 * f) + ")";
}
const map = document.getElementById("map");
const base = el("g", {id: "base"}, map);
const layer = el("g", {id: "layer"}, map);
const moving = el("g", {id: "threats"}, map);
el("rect", {x: 0, y: 0, width: W, height: H, fill: "#a7cbe6"}, base);
const statePaths = {};
for (const shape of D.outlines) {
  const d = shape.p.map((p, i) => (i ? "L" : "M") + px(p[0], p[1]).map(v => v.toFixed(1)).join(",")).join("") + "Z";
  const path = el("path", {d: d, fill: "#efebe4", stroke: shape.c ? "#333" : "#888",
                           "stroke-width": shape.c ? 1.2 : 0.6}, base);
  if (shape.c) (statePaths[shape.c] = statePaths[shape.c] || []).push(path);
}
for (const w of D.waters) {
  const p = px(w[1], w[2]);
  el("text", {x: p[0], y: p[1], "font-size": 11, "font-style": "italic", fill: "#3a6f9a",
              "text-anchor": "middle"}, base, w[0]);
}
// Areas that are not places (cyberspace) sit in a box at the top right, off the map.
const apart = D.regions.map((r, i) => r.apart ? i : -1).filter(i => i >= 0);
const where = D.regions.map(r => px(r.lon, r.lat));
apart.forEach((g, n) => { where[g] = [W - 70, 40 + 50 * n]; });
if (apart.length) {
  el("rect", {x: W - 150, y: 10, width: 140, height: 40 + 50 * apart.length, fill: "#f4f0fa",
              stroke: "#999"}, base);
  el("text", {x: W - 145, y: 24, "font-size": 10}, base, "not on the map:");
}
const routeLines = D.routes.map(r => el("line", {x1: where[r[0]][0], y1: where[r[0]][1],
  x2: where[r[1]][0], y2: where[r[1]][1], stroke: "#666", "stroke-opacity": 0.5,
  "stroke-dasharray": (D.regions[r[0]].apart || D.regions[r[1]].apart) ? "3,3" : ""}, layer));
const dots = D.regions.map((r, g) => {
  const dot = el("circle", {cx: where[g][0], cy: where[g][1], r: 6, stroke: "#000",
                            "stroke-width": 0.8, fill: "#fff"}, layer);
  el("title", {}, dot, r.name + (r.owner >= 0 ? " (" + D.codes[r.owner] + ")" : ""));
  return dot;
});
apart.forEach(g => el("text", {x: where[g][0] - 60, y: where[g][1] + 4, "font-size": 10},
                      layer, D.regions[g].name));
const legend = el("text", {x: 14, y: H - 12, "font-size": 12}, map, "");

const slider = document.getElementById("variant");
const list = document.getElementById("variant-list");
slider.max = D.variants.length - 1;
D.variants.forEach((v, k) => { const o = document.createElement("option"); o.value = k;
  o.textContent = k + ": " + v.label; list.appendChild(o); });

function drawMap(k) {
  const v = D.variants[k], ref = D.variants[D.reference];
  const harm = v.regions.harm || D.regions.map(() => 0);
  const refHarm = ref.regions.harm || harm;
  const compare = k !== D.reference;
  const value = harm.map((h, g) => compare ? h - refHarm[g] : h);
  const top = Math.max(1e-9, ...value.map(Math.abs));
  const arrivals = v.regions.arrivals || harm.map(() => 0);
  const most = Math.max(1e-9, ...arrivals);
  dots.forEach((dot, g) => {
    dot.setAttribute("fill", compare ? diverging(value[g] / top) : heat(value[g] / top));
    dot.setAttribute("r", (4 + 10 * Math.sqrt(arrivals[g] / most)).toFixed(2));
  });
  routeLines.forEach((line, i) => {
    const r = D.routes[i];
    line.setAttribute("stroke-width", (0.6 + 7 * Math.min(arrivals[r[0]], arrivals[r[1]]) / most).toFixed(2));
  });
  // A state is coloured by its change only where the paired interval excludes 0.
  const stateValue = D.codes.map((c, s) => !compare ? v.states[s].harm[0] :
    (v.diff.harm[1][s] > 0 || v.diff.harm[2][s] < 0) ? v.diff.harm[0][s] : 0);
  const stateTop = Math.max(1e-9, ...stateValue.map(Math.abs));
  D.codes.forEach((c, s) => (statePaths[c] || []).forEach(p => p.setAttribute("fill",
    compare ? diverging(stateValue[s] / stateTop) : heat(0.15 + 0.6 * stateValue[s] / stateTop))));
  legend.textContent = compare ? "colour: change in harm against " + ref.label +
    " (blue: less, red: more; states only where the paired 95% CI excludes 0); circle: " +
    "arrivals; route width: flow"
    : "colour: expected harm; circle size: arrivals; route width: flow";
}

function drawTable(k) {
  const v = D.variants[k], table = document.getElementById("states");
  const compare = k !== D.reference;
  let rows = "<tr><th>state</th><th>harm</th><th>sharing cost</th><th>measure cost</th><th>loss</th>" +
    (compare ? "<th>harm change</th><th>loss change</th>" : "") + "</tr>";
  const names = D.codes.concat(["region"]);
  names.forEach((c, s) => {
    const r = v.states[s];
    rows += "<tr><td>" + c + "</td><td>" + ci(r.harm) + "</td><td>" + ci(r.sharing_cost) +
      "</td><td>" + ci(r.measure_cost) + "</td><td>" + ci(r.loss) + "</td>";
    if (compare) for (const m of ["harm", "loss"])
      rows += "<td>" + ci([v.diff[m][0][s], v.diff[m][1][s], v.diff[m][2][s]]) + "</td>";
    rows += "</tr>";
  });
  table.innerHTML = rows;
  document.getElementById("summary").textContent = "Variant " + k + ": " + v.label + " (" +
    v.replicates + " replicates)" + (compare ? "; compared with variant " + D.reference + ": " +
    D.variants[D.reference].label : "; the reference variant");
}

const curve = document.getElementById("curve");
let curveMarker = null;
function drawCurve() {
  if (!D.axis) { curve.style.display = "none";
    document.getElementById("curve-title").textContent = "No swept parameter: no curve"; return; }
  document.getElementById("curve-title").textContent = "Change in regional harm against " +
    D.axis.path + " (paired, 95% CI)";
  const pts = D.variants.map((v, k) => [D.axis.x[k], k === D.reference ? [0, 0, 0] :
    [v.diff.harm[0][D.codes.length], v.diff.harm[1][D.codes.length], v.diff.harm[2][D.codes.length]], k])
    .filter(p => p[0] !== null).sort((a, b) => a[0] - b[0]);
  const xs = pts.map(p => p[0]), lo = Math.min(...pts.map(p => p[1][1])), hi = Math.max(...pts.map(p => p[1][2]));
  const x0 = Math.min(...xs), x1 = Math.max(...xs) > x0 ? Math.max(...xs) : x0 + 1;
  const y0 = Math.min(lo, 0), y1 = Math.max(hi, 0) > y0 ? Math.max(hi, 0) : y0 + 1;
  const X = x => 50 + (x - x0) / (x1 - x0) * 410, Y = y => 270 - (y - y0) / (y1 - y0) * 250;
  const band = pts.map(p => X(p[0]) + "," + Y(p[1][2])).concat(pts.slice().reverse().map(p => X(p[0]) + "," + Y(p[1][1])));
  el("polygon", {points: band.join(" "), fill: "#999", "fill-opacity": 0.3}, curve);
  el("polyline", {points: pts.map(p => X(p[0]) + "," + Y(p[1][0])).join(" "), fill: "none", stroke: "#000"}, curve);
  el("line", {x1: 50, x2: 460, y1: Y(0), y2: Y(0), stroke: "#888"}, curve);
  el("line", {x1: 50, x2: 50, y1: 20, y2: 270, stroke: "#000"}, curve);
  el("text", {x: 50, y: 292, "font-size": 11}, curve, D.axis.path + " (swept parameter)");
  el("text", {x: 4, y: 14, "font-size": 11}, curve, "change in regional harm (harm units per run)");
  [y0, y1].forEach(y => el("text", {x: 46, y: Y(y) + 4, "font-size": 10, "text-anchor": "end"}, curve, fmt(y)));
  [x0, x1].forEach(x => el("text", {x: X(x), y: 282, "font-size": 10, "text-anchor": "middle"}, curve,
    D.axis.names ? D.axis.names[Math.round(x)] || fmt(x) : fmt(x)));
  curveMarker = el("circle", {r: 6, fill: "#d62728"}, curve);
  curve.place = k => { const p = pts.find(q => q[2] === k);
    curveMarker.setAttribute("visibility", p ? "visible" : "hidden");
    if (p) { curveMarker.setAttribute("cx", X(p[0])); curveMarker.setAttribute("cy", Y(p[1][0])); } };
}

// Replay of replicate 0: each threat sits on the line between the regions of its events.
const tick = document.getElementById("tick");
const kinds = D.kinds;
const COLOURS = {arrival: "#ff7f0e", detection: "#1f77b4", report: "#9467bd", delivery: "#9467bd",
  engagement: "#17becf", interdiction: "#2ca02c", impact: "#d62728", leak: "#8c564b"};
let stories = [];
function prepareEvents(k) {
  const byThreat = new Map();
  for (const e of D.variants[k].events) {
    if (!byThreat.has(e[2])) byThreat.set(e[2], []);
    byThreat.get(e[2]).push(e);
  }
  stories = Array.from(byThreat.values());
}
const hasEvents = D.variants.some(v => v.events.length);
function drawThreats() {
  while (moving.firstChild) moving.removeChild(moving.firstChild);
  if (!hasEvents) return;  // no event log: the time box says so, nothing to replay
  const t = Number(tick.value);
  let counts = {moving: 0, detected: 0, shared: 0, stopped: 0, impact: 0};
  for (const story of stories) {
    if (story[0][0] > t) continue;
    // last: the latest event at or before t that has a place; next: the first after t.
    let last = null, lastAny = story[0], next = null, shared = false, detected = false;
    for (const e of story) { if (e[0] <= t) { lastAny = e; if (e[3] >= 0) last = e;
        const kind = kinds[e[1]];
        if (kind === "report" || kind === "delivery") shared = true;
        if (kind === "detection") detected = true; } else if (e[3] >= 0) { next = e; break; } }
    if (!last) continue;
    const kind = kinds[lastAny[1]];
    const done = kind === "interdiction" || kind === "impact";
    if (done && t - lastAny[0] > 3) continue;  // shown a few ticks after it ends
    let p = where[last[3]];
    if (!done && next) { const q = where[next[3]], f = (t - last[0]) / Math.max(1, next[0] - last[0]);
      p = [p[0] + (q[0] - p[0]) * f, p[1] + (q[1] - p[1]) * f]; }
    const status = kind === "interdiction" ? "stopped" : kind === "impact" ? "impact" :
      shared ? "shared" : detected ? "detected" : "moving";
    counts[status]++;
    const colour = {moving: COLOURS.arrival, detected: COLOURS.detection, shared: COLOURS.report,
      stopped: COLOURS.interdiction, impact: COLOURS.impact}[status];
    el(status === "stopped" || status === "impact" ? "rect" : "circle",
       status === "stopped" || status === "impact"
         ? {x: p[0] - 4, y: p[1] - 4, width: 8, height: 8, fill: colour, "class": status}
         : {cx: p[0], cy: p[1], r: 4, fill: colour, stroke: "#000", "stroke-width": 0.5, "class": status},
       moving);
  }
  document.getElementById("tick-text").textContent = D.tick_unit + " " + t + ": " +
    counts.moving + " moving, " + counts.detected + " detected, " + counts.shared + " shared, " +
    counts.stopped + " stopped, " + counts.impact + " impacts (replicate 0)";
}

function show(k) {
  k = Math.max(0, Math.min(D.variants.length - 1, Number(k) || 0));
  slider.value = k; list.value = k;
  drawMap(k); drawTable(k);
  if (curve.place) curve.place(k);
  prepareEvents(k); drawThreats();
}
slider.addEventListener("input", () => show(slider.value));
list.addEventListener("change", () => show(list.value));
if (!hasEvents) document.getElementById("time-box").textContent =
  "No event log in this file (c5sim ... --events adds one): no replay.";
else { tick.max = Math.max(0, D.ticks - 1); tick.addEventListener("input", drawThreats); }
let timer = null;
const play = document.getElementById("play");
if (play) play.addEventListener("click", () => {
  if (timer) { clearInterval(timer); timer = null; play.textContent = "play"; return; }
  play.textContent = "pause";
  timer = setInterval(() => { tick.value = (Number(tick.value) + 1) % (Number(tick.max) + 1); drawThreats(); }, 80);
});
drawCurve();
const hash = new URLSearchParams(location.hash.slice(1));
show(hash.get("variant") || D.reference);
if (hasEvents) {
  tick.value = hash.has("tick") ? hash.get("tick") : D.variants[Number(slider.value)].busy;
  drawThreats();
}
if (hash.has("selftest")) {
  // Move the real control as a user would and record whether the map changed.
  const before = layer.innerHTML + base.innerHTML;
  const target = (Number(slider.value) + 1) % D.variants.length;
  slider.value = target;
  slider.dispatchEvent(new Event("input"));
  const after = layer.innerHTML + base.innerHTML;
  const out = document.getElementById("selftest");
  out.textContent = JSON.stringify({variants: D.variants.length, moved_to: target,
    map_changed: before !== after, threats: moving.childNodes.length});
}
"""
