// The planners' dashboard: one view of the analytics API for the filters in
// the address, its requests sent in parallel. <html data-state> says where
// the page is: loading, ready, signin or error (and tests wait on it).

import * as api from "./api.js";
import { drawSeries, drawZones } from "./charts.js";
import * as format from "./format.js";
import { drawMap } from "./map.js";
import { PlacesTable } from "./table.js";
import * as view from "./view.js";

const $ = (id) => document.getElementById(id);
const ANALYTICS = "/api/v1/analytics";
let current = view.fromAddress();
let table;
let latest = 0;
let knownZones = null;

start();

function start() {
  api.takeTokenFromAddress();
  table = new PlacesTable($("places"), $("show-all"), $("download"));
  for (const type of view.WASTE_TYPES) {
    $("waste_type").append(new Option(type, type));
  }
  $("zone-note").textContent = `Days, weeks and months in ${view.timeZone()}`;
  showFilters();
  $("filters").addEventListener("change", changed);
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => {
    api.forgetToken();
    showSignIn("Signed out.");
  });
  // A link with a token, opened while the page is open, changes only the
  // fragment: no new page load.
  window.addEventListener("hashchange", () => {
    if (api.takeTokenFromAddress()) {
      knownZones = null;
      load();
    }
  });
  if (api.token()) {
    load();
  } else {
    showSignIn("");
  }
}

async function load() {
  const run = (latest += 1);
  document.documentElement.dataset.state = "loading";
  $("main").hidden = false;
  $("sign-in").hidden = true;
  $("sign-out").hidden = false;
  const filters = view.filterParams(current);
  const series = new URLSearchParams(filters);
  series.set("bucket", current.bucket);
  series.set("by_waste_type", "true");
  series.set("tz", view.timeZone());
  const places = new URLSearchParams(filters);
  places.set("limit", "1000");
  try {
    const answers = await Promise.all([
      api.get(`${ANALYTICS}/summary`, filters),
      api.get(`${ANALYTICS}/timeseries`, series),
      api.get(`${ANALYTICS}/zones`, filters),
      api.get(`${ANALYTICS}/locations`, places),
      zonesOfPlaces(),
    ]);
    if (run === latest) {
      render(...answers);
    }
  } catch (error) {
    if (run === latest) {
      failed(error);
    }
  }
}

function render(summary, series, zones, places, zoneNames) {
  $("problem").hidden = true;
  showZoneChoices([...zoneNames, ...zones.zones.map((zone) => zone.zone)]);
  const stale = [summary, series, zones, places].some((answer) => answer.stale);
  $("stale").hidden = !stale;
  $("stale").textContent = `Stale: figures as of ${format.moment(summary.data_as_of)}`;
  showTotals(summary);
  const empty = summary.collections === 0;
  $("empty").hidden = !empty;
  $("empty").textContent = view.isFiltered(current)
    ? "No collections match these filters."
    : "No collections have been recorded yet. Load the demo data with `make seed` (while `make run` is up), or record some through the API.";
  $("series-title").textContent = `Kilograms per ${current.bucket}, by waste type`;
  drawSeries($("series-chart"), series);
  drawZones($("zones-chart"), zones.zones);
  drawMap($("map"), places.locations);
  table.show(places.locations);
  showConversions(summary.conversions);
  $("as-of").textContent = `Every change up to ${format.moment(summary.data_as_of)} is counted.`;
  document.documentElement.dataset.state = "ready";
  if (!performance.getEntriesByName("dashboard-ready").length) {
    performance.mark("dashboard-ready");
  }
}

function showTotals(summary) {
  show("total-kg", summary.total_kg, format.kilograms(summary.total_kg));
  show("collections", summary.collections, format.count(summary.collections));
  show("completion", summary.completion_rate ?? "", format.share(summary.completion_rate));
  const completed = summary.by_status.Completed.collections;
  $("completion-note").textContent = `${format.count(completed)} of ${format.count(summary.collections)} collections`;
  const unconverted = Object.entries(summary.unconverted_liters);
  const litres = unconverted.reduce((sum, [, volume]) => sum + volume, 0);
  show("unconverted", litres, format.litres(litres));
  $("unconverted").title = unconverted.map(([type, volume]) => `${type}: ${format.litres(volume)}`).join(", ");
}

function show(id, value, text) {
  $(id).dataset.value = value;
  $(id).textContent = text;
}

function showConversions(conversions) {
  const factors = Object.entries(conversions.kg_per_liter);
  const known = factors.filter(([, factor]) => factor !== null).map(([type, f]) => `${type} ${f}`);
  const none = factors.filter(([, factor]) => factor === null).map(([type]) => type);
  const text =
    `Kilograms: Kg as recorded; Tons \u00d7 ${conversions.tons_to_kg}; litres \u00d7 kg per litre: ` +
    `${known.join(", ")}` +
    (none.length ? `; no factor for ${none.join(", ")} (their litres are shown apart, never guessed)` : "") +
    `. Source: ${conversions.source}.`;
  $("factors").textContent = text;
  $("total-kg").title = text;
}

function failed(error) {
  if (error instanceof api.SignInNeeded) {
    showSignIn(error.message);
    return;
  }
  document.documentElement.dataset.state = "error";
  $("problem").hidden = false;
  $("problem").textContent = error.message;
}

function showSignIn(reason) {
  document.documentElement.dataset.state = "signin";
  $("main").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in").hidden = false;
  $("sign-in-reason").textContent = reason;
  $("token").focus();
}

function signIn(event) {
  event.preventDefault();
  api.saveToken($("token").value);
  $("token").value = "";
  knownZones = null;
  load();
}

// Every zone a place has, from the locations service (once a page load).
async function zonesOfPlaces() {
  if (knownZones === null) {
    const places = await api.getAll("/api/v1/locations", new URLSearchParams({ limit: "1000" }));
    knownZones = places.map((place) => place.zone);
  }
  return knownZones;
}

function showZoneChoices(names) {
  const zones = [...new Set([...names, current.zone].filter(Boolean))].sort();
  const select = $("zone");
  const have = [...select.options].map((option) => option.value);
  if (zones.join("\n") !== have.slice(1).join("\n")) {
    select.replaceChildren(new Option("All zones", ""), ...zones.map((zone) => new Option(zone, zone)));
  }
  select.value = current.zone || "";
}

function showFilters() {
  if (current.period !== "custom") {
    Object.assign(current, view.presetDates(current.period));
  }
  for (const field of ["period", "from", "to", "bucket", "zone", "waste_type", "status"]) {
    if ($(field).tagName === "SELECT" && current[field] && ![...$(field).options].some((o) => o.value === current[field])) {
      $(field).append(new Option(current[field], current[field]));
    }
    $(field).value = current[field] || "";
  }
}

function changed(event) {
  const field = event.target.name;
  current[field] = event.target.value;
  if (field === "period" && current.period !== "custom") {
    Object.assign(current, view.presetDates(current.period));
  } else if (field === "from" || field === "to") {
    current.period = "custom";
  }
  showFilters();
  view.toAddress(current);
  load();
}
