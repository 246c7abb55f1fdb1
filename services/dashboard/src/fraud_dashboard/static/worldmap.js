// An equirectangular world map on a canvas: land from the vendored Natural Earth shapes,
// framed on a box of latitudes and longitudes, letterboxed so a degree is as long both ways.
"use strict";

let worldShapes = null;

async function loadWorldShapes() {
  if (worldShapes) return worldShapes;
  const response = await fetch("/static/vendor/countries-110m.json");
  const topology = await response.json();
  worldShapes = topojson.feature(topology, topology.objects.countries);
  return worldShapes;
}

function sizeCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const box = canvas.getBoundingClientRect();
  canvas.width = Math.max(1, Math.round(box.width * ratio));
  canvas.height = Math.max(1, Math.round(box.height * ratio));
  return [canvas.width, canvas.height];
}

function unwrap(ring) {
  // Rings crossing the antimeridian jump by ~360 degrees: make them continuous instead.
  const out = [];
  let shift = 0;
  ring.forEach(([lon, lat], i) => {
    if (i > 0) {
      const step = lon + shift - out[i - 1][0];
      if (step > 180) shift -= 360; else if (step < -180) shift += 360;
    }
    out.push([lon + shift, lat]);
  });
  return out;
}

// A frame mapping (lat, lon) inside bounds {north, south, west, east} onto width x height pixels.
function makeFrame(width, height, bounds) {
  const spanLon = bounds.east - bounds.west, spanLat = bounds.north - bounds.south;
  const scale = Math.min(width / spanLon, height / spanLat);
  const x = (width - spanLon * scale) / 2, y = (height - spanLat * scale) / 2;
  return {
    scale,
    project: (lat, lon) => [x + (lon - bounds.west) * scale, y + (bounds.north - lat) * scale],
  };
}

function drawLandOn(canvas, frame, shapes) {
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#0f1a2e";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!shapes) return;
  ctx.fillStyle = "#1e2b45";
  ctx.strokeStyle = "#33456b";
  ctx.lineWidth = 0.6 * (window.devicePixelRatio || 1);
  for (const feature of shapes.features) {
    const geometry = feature.geometry;
    if (!geometry) continue;
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    ctx.beginPath();
    for (const polygon of polygons) {
      for (const raw of polygon) {
        const ring = unwrap(raw);
        const lons = ring.map((p) => p[0]);
        for (const offset of [0, 360, -360]) {
          if (Math.max(...lons) + offset < -180 || Math.min(...lons) + offset > 180) continue;
          ring.forEach(([lon, lat], i) => {
            const [px, py] = frame.project(lat, lon + offset);
            if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
          });
          ctx.closePath();
        }
      }
    }
    ctx.fill("evenodd");
    ctx.stroke();
  }
}
