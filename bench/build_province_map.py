"""Build rules/provinces_map.json, the outlines of the 38 provinces the report's map is drawn
with (pipeline/outputs/maps.py), from the MIT-licensed repository cahyadsn/wilayah_boundaries.

Run once when the source changes, from the checkout, with a local clone or mirror of it:

    python bench/build_province_map.py /path/to/wilayah_boundaries/.git [COMMIT]

It reads db/prov/wilayah_boundaries_prov_1.sql to _8.sql at COMMIT (default HEAD), whose rows
hold each province's Kemendagri code, name and outline as JSON ([lat, lng] pairs; mostly a
MultiPolygon, Papua Pegunungan a Polygon), and writes for each province its rings as
[lon, lat] pairs: each ring simplified with Douglas-Peucker (TOLERANCE degrees), islands
smaller than MIN_AREA square degrees left out (a province keeps its largest one however
small), coordinates rounded to DECIMALS places, and a point inside its largest ring where
the map puts its marker; holes are left out (see `province`). The source, commit, licence
and these parameters are written into the file itself (JSON has no comments). Nothing here
runs in the pipeline.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import yaml

REPOSITORY = "https://github.com/cahyadsn/wilayah_boundaries"
FILES = [f"db/prov/wilayah_boundaries_prov_{i}.sql" for i in range(1, 9)]
TOLERANCE = 0.02  # degrees (about 2 km): a pixel of the map is about 0.05 degrees at 16 cm
MIN_AREA = 0.004  # square degrees (about 50 km2): islands smaller than this are not drawn
DECIMALS = 3  # about 100 m
LARGE_HOLE = 0.05  # square degrees: a hole this large in a province is looked at, not dropped
ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "rules" / "provinces_map.json"
# ('31','Daerah Khusus Ibukota Jakarta',-6.19,106.83,'[[[[lat,lng],...]]]') ; one row has a space after a comma
ROW = re.compile(r"\('(\d{2})','([^']*)',\s*(-?[\d.]+),\s*(-?[\d.]+),\s*'(\[[^']*\])'\)")


def _git(git_dir: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, *args], capture_output=True, text=True, check=True).stdout


def _polygons(outline: list) -> list[list[np.ndarray]]:
    """The polygons of a GeoJSON-like outline of [lat, lng] pairs, each a list of rings as
    arrays of (lon, lat); a bare Polygon is read as a MultiPolygon of one."""
    depth, node = 0, outline
    while isinstance(node, list):
        depth, node = depth + 1, node[0]
    polygons = outline if depth == 4 else [outline]
    return [[np.asarray(ring, dtype=float)[:, ::-1] for ring in polygon] for polygon in polygons]


def _keep(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker on an open line: a mask of the points kept (both ends always)."""
    keep = np.zeros(len(points), dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        a, b = points[first], points[last]
        inner = points[first + 1 : last]
        ab = b - a
        length = np.hypot(*ab)
        if length == 0:
            dist = np.hypot(*(inner - a).T)
        else:
            dist = np.abs(ab[0] * (inner[:, 1] - a[1]) - ab[1] * (inner[:, 0] - a[0])) / length
        far = int(np.argmax(dist))
        if dist[far] > tolerance:
            middle = first + 1 + far
            keep[middle] = True
            stack += [(first, middle), (middle, last)]
    return keep


def simplify_ring(ring: np.ndarray, tolerance: float) -> np.ndarray:
    """A closed ring simplified: split at the point farthest from its start, each half
    simplified, so the ring's extent survives."""
    if len(ring) < 4:
        return ring
    far = int(np.argmax(np.hypot(*(ring - ring[0]).T)))
    if far == 0:
        return ring[:1]
    keep = np.concatenate([_keep(ring[: far + 1], tolerance)[:-1], _keep(ring[far:], tolerance)])
    return ring[keep]


def area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2


def _rounded(ring: np.ndarray) -> np.ndarray:
    """Rounded to DECIMALS places, points repeated by the rounding dropped, closed."""
    ring = np.round(ring, DECIMALS)
    ring = ring[np.r_[True, np.any(np.diff(ring, axis=0) != 0, axis=1)]]
    return ring if np.array_equal(ring[0], ring[-1]) else np.vstack([ring, ring[:1]])


def inside_point(ring: np.ndarray) -> list[float]:
    """A point well inside `ring`: of a grid over its extent, the inside point farthest from
    its edge (a pole of inaccessibility, near enough for a marker)."""
    lo, hi = ring.min(axis=0), ring.max(axis=0)
    xs, ys = np.meshgrid(np.linspace(lo[0], hi[0], 60), np.linspace(lo[1], hi[1], 60))
    grid = np.column_stack([xs.ravel(), ys.ravel()])
    a, b = ring[:-1], ring[1:]
    # ray casting: a ray to the right of a point inside crosses the edge an odd number of times
    px, py = grid[:, None, 0], grid[:, None, 1]
    spans = (a[:, 1] > py) != (b[:, 1] > py)
    rise = np.where(b[:, 1] == a[:, 1], 1, b[:, 1] - a[:, 1])
    crosses = spans & (px < a[:, 0] + (py - a[:, 1]) * (b[:, 0] - a[:, 0]) / rise)
    inside = grid[crosses.sum(axis=1) % 2 == 1]
    if not len(inside):
        return [round(float(v), DECIMALS) for v in ring.mean(axis=0)]
    ab = b - a
    t = np.clip(((inside[:, None, :] - a) * ab).sum(axis=2) / np.maximum((ab * ab).sum(axis=1), 1e-12), 0, 1)
    nearest = a + t[:, :, None] * ab
    edge = np.hypot(*(inside[:, None, :] - nearest).transpose(2, 0, 1)).min(axis=1)
    return [round(float(v), DECIMALS) for v in inside[int(np.argmax(edge))]]


def province(outline: list) -> dict:
    polygons = _polygons(outline)
    # outer rings only: no province encloses another, and the source's two holes are artefacts
    # (Kalimantan Selatan's has no area; Papua Barat Daya's is Kota Sorong, its own city, as
    # db/kab/wilayah_boundaries_kab_96.sql shows); a large new one is looked at before it goes
    if any(area(hole) >= LARGE_HOLE for polygon in polygons for hole in polygon[1:]):
        sys.exit("a large hole in a province: see whether pipeline/outputs/maps.py must draw it")
    rings = [_rounded(simplify_ring(polygon[0], TOLERANCE)) for polygon in polygons]
    rings = [r for r in rings if len(r) >= 4]  # a ring needs three corners
    largest = max(rings, key=area)
    kept = sorted((r for r in rings if area(r) >= MIN_AREA or r is largest), key=area, reverse=True)
    return {"label": inside_point(largest), "rings": [r.tolist() for r in kept]}


def build(git_dir: str, commit: str) -> dict:
    commit = _git(git_dir, "rev-parse", commit).strip()
    licence = _git(git_dir, "show", f"{commit}:LICENSE").strip().splitlines()
    provinces = {}
    for name in FILES:
        for code, title, _lat, _lng, outline in ROW.findall(_git(git_dir, "show", f"{commit}:{name}")):
            provinces[code] = {"name": title, **province(json.loads(outline))}
    expected = {p["kemendagri"] for p in yaml.safe_load((ROOT / "rules" / "provinces.yaml").read_text())["provinces"]}
    if set(provinces) != expected:
        sys.exit(f"provinces read {sorted(provinces)} differ from rules/provinces.yaml {sorted(expected)}")
    return {
        "about": "Outlines of Indonesia's 38 provinces by Kemendagri code, simplified for the report's map.",
        "source": {
            "repository": REPOSITORY,
            "files": "db/prov/wilayah_boundaries_prov_1.sql to _8.sql",
            "commit": commit,
            "decree": "Kepmendagri No. 300.2.2-2430 Tahun 2025",
            "licence": "MIT",
            "copyright": next(line for line in licence if line.startswith("Copyright")),
        },
        "licence_text": licence,
        "simplification": {
            "script": "bench/build_province_map.py",
            "method": "Douglas-Peucker per ring; outer rings only (the source's two holes are artefacts)",
            "tolerance_degrees": TOLERANCE,
            "min_island_area_square_degrees": MIN_AREA,
            "decimals": DECIMALS,
        },
        "coordinates": "[lon, lat] in degrees (WGS 84); label: a point inside the largest ring, for a marker",
        "provinces": dict(sorted(provinces.items())),
    }


def main() -> None:
    data = build(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "HEAD")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # one province a line: small diffs when the source changes
    for code in data["provinces"]:
        text = text.replace(f'"{code}":{{"name"', f'\n"{code}":{{"name"', 1)
    TARGET.write_text(text + "\n", encoding="utf-8")
    points = sum(len(r) for p in data["provinces"].values() for r in p["rings"])
    print(f"{TARGET.relative_to(ROOT)}: {len(data['provinces'])} provinces, {points} points, {len(text)} bytes")


if __name__ == "__main__":
    main()
