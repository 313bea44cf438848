"""geomap.py — the regional map: country outlines and coastlines, regions, routes and flows.

Borders and coastlines come from the Digital Chart of the World polygons that Debian's `gmt-dcw`
package ships (/usr/share/gmt-dcw/dcw-gmt.nc, netCDF-4 and so HDF5, read with h5py; tools/deps
installs the package). Land is drawn on a water-coloured background, so the Caspian and the Aral Sea appear as
the gaps between the shores of the states around them. Without the package the map still draws
(regions on a plain background) and says so in its title, rather than failing the report.

Areas that are not places (cyberspace, an online network) would sit at made-up coordinates in
the middle of a country, so they go in an inset beside the map with their links listed. Labels
are placed greedily without overlap (each tries eight positions around its point; a label that
fits nowhere is left out and counted in the title). Flows follow the routes, their width the
threats that could have used them (the smaller of the arrivals at the route's two ends).
"""
import functools
import os
import re

import numpy as np

DCW_PATH = os.environ.get("C5SIM_DCW", "/usr/share/gmt-dcw/dcw-gmt.nc")
# ISO 3166 alpha-3 codes (scenario state codes) to the DCW's alpha-2 names.
ISO2 = {"KAZ": "KZ", "KGZ": "KG", "TJK": "TJ", "TKM": "TM", "UZB": "UZ", "AFG": "AF",
        "IRN": "IR", "CHN": "CN", "RUS": "RU", "PAK": "PK", "MNG": "MN", "AZE": "AZ",
        "IND": "IN", "GEO": "GE", "ARM": "AM", "TUR": "TR"}
# Water bodies named on the map when they are in view: (name, lon, lat). (DCW's country
# polygons leave the seas open; lakes inside a country, Balkhash or Issyk-Kul, are not cut out.)
WATERS = (("Caspian Sea", 50.6, 41.8), ("Aral Sea", 59.6, 45.2))
NON_GEOGRAPHIC = re.compile(r"cyber|online|virtual|network|internet", re.I)
SPACING = 0.03     # degrees between outline points: finer than a 13-inch map shows
MIN_POINTS = 12    # fewer: an islet, invisible at the scale of a region


def countries_in(west, east, south, north):
    """{ISO2: [[lon, lat] point arrays, ...]} for every DCW country polygon that meets the view.
    Reading the file takes most of a second, so it is read once per process for a box snapped
    outward to 20 degrees (the report's map and the explorer's wider one share it)."""
    snap = 20.0
    box = _countries_in(np.floor(west / snap) * snap, np.ceil(east / snap) * snap,
                        np.floor(south / snap) * snap, np.ceil(north / snap) * snap)
    if box is None:
        return None
    result = {}
    for code, segments in box.items():
        kept = [seg for seg in segments if not (seg[:, 0].max() < west or seg[:, 0].min() > east
                                                or seg[:, 1].max() < south or
                                                seg[:, 1].min() > north)]
        if kept:
            result[code] = kept
    return result


@functools.lru_cache(maxsize=4)
def _countries_in(west, east, south, north):
    import h5py

    if not os.path.exists(DCW_PATH):
        return None
    result = {}
    # dcw-gmt.nc is netCDF-4, i.e. HDF5: h5py reads it without building an object for each of
    # its thousand variables first, as the netCDF module does on opening (0.1 s against 0.3 s).
    with h5py.File(DCW_PATH, "r") as data:
        for name in data:
            if len(name) != 6 or not name.endswith("_lon"):
                continue  # XX_lon: countries; longer names are states and provinces
            code = name[:2]
            lon_var, lat_var = data[name], data[code + "_lat"]
            lon_min, lon_max = float(lon_var.attrs["min"]), float(lon_var.attrs["max"])
            lat_min, lat_max = float(lat_var.attrs["min"]), float(lat_var.attrs["max"])
            if lon_max < west or lon_min > east or lat_max < south or lat_min > north:
                continue
            lon_raw = lon_var[()].astype(np.int64)
            lat_raw = lat_var[()].astype(np.int64)
            # Packed as min + value / scale; 65535 starts a new segment (one polygon:
            # mainland, island, exclave).
            lon = lon_min + lon_raw / float(np.ravel(lon_var.attrs["scale"])[0])
            lat = lat_min + lat_raw / float(np.ravel(lat_var.attrs["scale"])[0])
            breaks = np.flatnonzero(lon_raw == 65535)
            bounds = list(breaks) + [len(lon)]
            segments = []
            for start, stop in zip(bounds[:-1], bounds[1:]):
                xs, ys = lon[start + 1:stop], lat[start + 1:stop]
                # Islets and polygons wholly outside the view cost drawing time and show
                # nothing at this scale.
                if len(xs) < MIN_POINTS or xs.max() < west or xs.min() > east or \
                        ys.max() < south or ys.min() > north:
                    continue
                segments.append(resample(np.column_stack([xs, ys]), SPACING))
            result[code] = segments
    return result


def resample(points, spacing):
    """Points along a closed outline about `spacing` degrees apart (by length along it), so
    that long coasts keep their shape and dense stretches lose their redundant points; taking
    every k-th point instead cuts corners off large countries, which then show as water."""
    steps = np.hypot(*np.diff(points, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    if along[-1] <= spacing * 8:
        return points
    keep = np.unique(np.searchsorted(along, np.arange(0.0, along[-1], spacing)))
    return points[np.append(keep, len(points) - 1)]


def _view(lon, lat):
    """Map extent around the regions with a margin, at least 8 x 6 degrees."""
    west, east = float(np.min(lon)), float(np.max(lon))
    south, north = float(np.min(lat)), float(np.max(lat))
    margin_x = max(2.0, 0.12 * (east - west), (8.0 - (east - west)) / 2)
    margin_y = max(1.5, 0.12 * (north - south), (6.0 - (north - south)) / 2)
    return west - margin_x, east + margin_x, south - margin_y, north + margin_y


def non_geographic(regions):
    """Boolean mask of regions that are not places (by name or id: cyberspace, networks)."""
    return np.array([bool(NON_GEOGRAPHIC.search(f"{r['id']} {r['name']}"))
                     for _, r in regions.iterrows()], dtype=bool)


def _draw_land(ax, view, state_codes, state_harm, norm, cmap):
    """Countries (scenario states coloured by their harm) on water; False without the data."""
    from matplotlib.collections import LineCollection, PolyCollection

    countries = countries_in(*[round(v, 3) for v in view])
    if countries is None:
        return False
    ax.set_facecolor("#a7cbe6")  # water: the Caspian and the Aral show as what land leaves
    own = {ISO2.get(code): s for s, code in enumerate(state_codes) if ISO2.get(code)}
    # One collection for the other countries and one per state: a patch per polygon costs
    # seconds (matplotlib updates the data limits of each patch one by one).
    land = [seg for segments in countries.values() for seg in segments]
    others = [seg for code, segments in countries.items() if code not in own for seg in segments]
    # Every country on land colour first, so a state whose colour is near 0 is not taken for water.
    ax.add_collection(PolyCollection(land, facecolors="#efebe4", edgecolors="none", zorder=0))
    ax.add_collection(LineCollection(others, colors="#777777", linewidths=0.6, zorder=0.5))
    for code, segments in countries.items():
        if code in own and segments:
            ax.add_collection(PolyCollection(segments, facecolors=[cmap(norm(
                state_harm[own[code]]))], alpha=0.55, edgecolors="none", zorder=0.1))
            ax.add_collection(LineCollection(segments, colors="#333333", linewidths=1.0,
                                             zorder=0.5))
    west, east, south, north = view
    for name, x, y in WATERS:
        if west < x < east and south < y < north:
            ax.text(x, y, name, fontsize=8, style="italic", color="#3a6f9a", ha="center",
                    va="center", zorder=0.6)
    return True


def place_labels(ax, items, fontsize=7):
    """Greedy placement without overlap. items: (text, x, y, priority); higher priority first.
    Returns how many labels found no free place (and were left out)."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    taken = []
    offsets = ((6, 6), (6, -12), (-6, 6), (-6, -12), (0, 10), (0, -16), (10, -3), (-10, -3))
    skipped = 0
    for text, x, y, _ in sorted(items, key=lambda item: -item[3]):
        placed = False
        for dx, dy in offsets:
            label = ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy),
                                fontsize=fontsize, ha="left" if dx >= 0 else "right",
                                zorder=6, bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                                                "alpha": 0.75, "lw": 0})
            box = label.get_window_extent(renderer).expanded(1.05, 1.1)
            inside = ax.get_window_extent(renderer).contains(box.x0, box.y0) and \
                ax.get_window_extent(renderer).contains(box.x1, box.y1)
            if inside and not any(box.overlaps(other) for other in taken):
                taken.append(box)
                placed = True
                break
            label.remove()
        skipped += not placed
    return skipped


def _inset(fig, ax, regions, routes, arrivals, codes, owner, indices):
    """Non-geographic areas beside the map: each a node with its links (width by arrivals)."""
    inset = fig.add_axes([0.80, 0.62, 0.18, 0.26])
    inset.set_title("Not on the map: " + ", ".join(regions["name"].iloc[i] for i in indices),
                    fontsize=8)
    inset.set_xlim(-1.6, 1.6)
    inset.set_ylim(-1.4, 1.4)
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("#f4f0fa")
    scale = max(arrivals.max(), 1e-9)
    for n, g in enumerate(indices):
        centre = (0.0, 0.0) if len(indices) == 1 else (0.0, 0.8 - 1.6 * n / (len(indices) - 1))
        links = [int(r["to"]) if int(r["from"]) == g else int(r["from"])
                 for _, r in routes.iterrows() if g in (int(r["from"]), int(r["to"]))]
        for k, other in enumerate(links):
            angle = 2 * np.pi * k / max(len(links), 1)
            end = (centre[0] + np.cos(angle), centre[1] + 0.9 * np.sin(angle))
            width = 0.6 + 5.0 * min(arrivals[g], arrivals[other]) / scale
            inset.plot([centre[0], end[0]], [centre[1], end[1]], color="tab:purple",
                       linewidth=width, alpha=0.6)
            state = codes[owner[other]] if owner[other] >= 0 else "external"
            inset.text(end[0], end[1], f"{regions['id'].iloc[other]}\n({state})", fontsize=6,
                       ha="center", va="center",
                       bbox={"boxstyle": "round,pad=0.1", "fc": "white", "lw": 0})
        inset.scatter([centre[0]], [centre[1]], s=140, marker="h", color="tab:purple", zorder=3)
    return inset


def regional_map(results, variant_index=None):
    """Country outlines, coastlines and regions, coloured by harm (a variant other than the
    reference: by its paired change in harm), routes with flows, non-geographic areas apart."""
    import matplotlib
    import matplotlib.pyplot as plt

    from .figures import HARM_UNIT, MAP_LABELS

    index = results.reference if variant_index is None else variant_index
    variant = results.variants[index]
    reference = results.variants[results.reference]
    regions = results.regions
    lon = regions["lon"].to_numpy(dtype=float)
    lat = regions["lat"].to_numpy(dtype=float)
    owner = regions["owner"].to_numpy(dtype=int)
    n_regions = len(regions)
    codes = results.state_codes
    apart = non_geographic(regions)
    placed = ~apart

    def region_mean(of, metric):
        data = of.regions.get(metric)
        if data is None or data.shape[-1] != n_regions:
            return np.zeros(n_regions)
        return data.mean(axis=0)

    compare = index != results.reference
    harm = region_mean(variant, "harm")
    value = harm - region_mean(reference, "harm") if compare else harm
    arrivals = region_mean(variant, "arrivals")
    detections = region_mean(variant, "detections")
    impacts = region_mean(variant, "impacts")
    state_harm = variant.totals["harm"].mean(axis=0)
    if compare:
        common = min(variant.replicates, reference.replicates)
        from .stats import mean_ci

        change, low, high = mean_ci(variant.totals["harm"][:common] -
                                    reference.totals["harm"][:common], axis=0)
        # A state is coloured by its change only where the paired interval excludes 0: a
        # coloured country reads as a finding, and noise must not.
        state_value = np.where((low > 0) | (high < 0), change, 0.0)
        limit = max(np.abs(value).max(), np.abs(change).max(), 1e-9)
        norm = matplotlib.colors.Normalize(vmin=-limit, vmax=limit)
        cmap = plt.get_cmap("RdBu_r")
    else:
        state_value = state_harm
        norm = matplotlib.colors.Normalize(vmin=0.0, vmax=max(value.max(), state_harm.max(),
                                                               1e-9))
        cmap = plt.get_cmap("YlOrRd")

    fig = plt.figure(figsize=(13, 9))
    ax = fig.add_axes([0.06, 0.16, 0.70, 0.74])
    view = _view(lon[placed] if placed.any() else lon, lat[placed] if placed.any() else lat)
    has_land = _draw_land(ax, view, codes, state_value, norm, cmap)

    flow_scale = max(arrivals.max(), 1e-9)
    for _, route in results.routes.iterrows():
        a, b = int(route["from"]), int(route["to"])
        if apart[a] or apart[b]:
            continue  # drawn in the inset
        border = owner[a] != owner[b]
        width = 0.6 + 6.0 * min(arrivals[a], arrivals[b]) / flow_scale
        ax.plot([lon[a], lon[b]], [lat[a], lat[b]], color="tab:purple" if border else "#555555",
                linestyle="-", linewidth=width, alpha=0.5, zorder=1, solid_capstyle="round")
    size_scale = 700.0 / max(arrivals.max(), detections.max(), impacts.max(), 1e-9)
    ax.scatter(lon[placed], lat[placed], s=arrivals[placed] * size_scale, facecolors="none",
               edgecolors="tab:orange", linewidths=1.4, zorder=2, label="arrivals (circle area)")
    ax.scatter(lon[placed], lat[placed], s=detections[placed] * size_scale, facecolors="none",
               edgecolors="tab:blue", linewidths=1.4, zorder=2, label="detections (circle area)")
    ax.scatter(lon[placed], lat[placed], s=impacts[placed] * size_scale, marker="x",
               color="tab:red", zorder=4, label="impacts (cross size)")
    owned = (owner >= 0) & placed
    outside = (owner < 0) & placed
    points = ax.scatter(lon[owned], lat[owned], c=value[owned], cmap=cmap, norm=norm, s=70,
                        edgecolors="black", zorder=3,
                        label="state region (colour: " + ("change in harm)" if compare
                                                          else "harm)"))
    ax.scatter(lon[outside], lat[outside], c=value[outside], cmap=cmap, norm=norm, s=110,
               marker="^", edgecolors="tab:purple", linewidths=1.4, zorder=3,
               label="area outside the states")
    west, east, south, north = view
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1.0 / max(np.cos(np.deg2rad((south + north) / 2)), 0.2))
    ax.set_xlabel("longitude (degrees east)")
    ax.set_ylabel("latitude (degrees north)")
    ax.grid(alpha=0.25)
    # Labels: every region when few, else the most harmed (or most changed) first.
    order = np.argsort(-np.abs(value), kind="stable")
    wanted = [g for g in order if placed[g]][:MAP_LABELS if n_regions > MAP_LABELS else None]
    items = [(f"{regions['name'].iloc[g]}" + (f" ({codes[owner[g]]})" if owner[g] >= 0 else ""),
              lon[g], lat[g], abs(value[g])) for g in wanted]
    skipped = place_labels(ax, items)
    if apart.any():
        _inset(fig, ax, regions, results.routes, arrivals, codes, owner,
               [int(g) for g in np.flatnonzero(apart)])
    bar_ax = fig.add_axes([0.80, 0.16, 0.018, 0.36])
    label = (f"change in harm vs reference\n({HARM_UNIT}; states: only where\nthe "
             f"paired 95% CI excludes 0)" if compare else
             f"expected harm, states and regions\n({HARM_UNIT})")
    fig.colorbar(points, cax=bar_ax, label=label)
    ax.plot([], [], color="tab:purple", label="border-crossing route (width: flow)")
    ax.plot([], [], color="#555555", label="domestic route (width: flow)")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3,
              markerscale=0.5)
    what = "change in harm against the reference" if compare else "harm"
    notes = [f"means over {variant.replicates} replicates"]
    if n_regions > MAP_LABELS:
        notes.append(f"names of the {len(wanted)} regions with most {what}")
    if skipped:
        notes.append(f"{skipped} name{'s' if skipped > 1 else ''} left out for lack of room")
    if not has_land:
        notes.append("no country outlines: install gmt-dcw")
    import textwrap

    # Long measure labels and notes would run off the figure: wrap them under the heading.
    detail = textwrap.fill(f"variant {index}: {variant.label} ({'; '.join(notes)})", 100)
    ax.set_title(f"Regional map: {what} and threat flows\n{detail}", fontsize=11)
    return fig


def map_variants(results, count=2):
    """Variants that get a map of their own besides the reference: the largest effects."""
    from .figures import largest_effects

    if len(results.variants) < 2:
        return []
    return largest_effects(results, count)
