// The places on a plain SVG map: placed by longitude and latitude, each a
// circle whose area is its kilograms. No tiles (nothing to fetch): the
// outline of the area is the places themselves.

import * as format from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 600;
const HEIGHT = 300;
const MARGIN = 24;
const LARGEST = 14;

export function drawMap(box, places) {
  const placed = places.filter((place) => place.latitude !== null && place.longitude !== null);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("role", "img");
  svg.setAttribute(
    "aria-label",
    `${placed.length} places on a map, sized by kilograms (the table below lists them)`,
  );
  const unplaced = places.length - placed.length;
  if (!placed.length) {
    svg.append(label("No place with coordinates", WIDTH / 2 - 80, HEIGHT / 2));
  }
  const project = projection(placed);
  const heaviest = Math.max(...placed.map((place) => place.kg), 1);
  // The largest drawn first, so a small circle is never hidden under one.
  for (const place of [...placed].sort((a, b) => b.kg - a.kg)) {
    const [x, y] = project(place);
    const circle = document.createElementNS(SVG, "circle");
    circle.setAttribute("cx", x.toFixed(1));
    circle.setAttribute("cy", y.toFixed(1));
    circle.setAttribute("r", (2 + LARGEST * Math.sqrt(place.kg / heaviest)).toFixed(1));
    circle.dataset.location = place.location;
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${place.location} (${place.zone ?? "no zone"}): ${format.kilograms(place.kg)}`;
    circle.append(title);
    svg.append(circle);
  }
  if (unplaced) {
    svg.append(label(`${unplaced} place(s) without coordinates are not drawn`, 8, HEIGHT - 8));
  }
  box.replaceChildren(svg);
}

// Longitude and latitude to the box, equirectangular: a degree of longitude
// shrunk by the cosine of the latitude, the same scale on both axes.
function projection(places) {
  const lats = places.map((place) => place.latitude);
  const lons = places.map((place) => place.longitude);
  const [south, north] = [Math.min(...lats), Math.max(...lats)];
  const [west, east] = [Math.min(...lons), Math.max(...lons)];
  const shrink = Math.cos((((south + north) / 2) * Math.PI) / 180);
  const spanX = Math.max((east - west) * shrink, 1e-6);
  const spanY = Math.max(north - south, 1e-6);
  const scale = Math.min((WIDTH - 2 * MARGIN) / spanX, (HEIGHT - 2 * MARGIN) / spanY);
  const offsetX = (WIDTH - spanX * scale) / 2;
  const offsetY = (HEIGHT - spanY * scale) / 2;
  return (place) => [
    offsetX + (place.longitude - west) * shrink * scale,
    HEIGHT - offsetY - (place.latitude - south) * scale,
  ];
}

function label(text, x, y) {
  const element = document.createElementNS(SVG, "text");
  element.setAttribute("x", x);
  element.setAttribute("y", y);
  element.textContent = text;
  return element;
}
