// What the planner is looking at: the filters, kept in the address's query
// string (so a link reproduces the view), and the API parameters they mean.
//
// Dates are the planner's own: a period from a date to a date, both
// included, in the browser's time zone; the API gets the instants of those
// local midnights (`from` included, the day after `to` excluded) and the
// zone itself for the time series.

export const WASTE_TYPES = ["Organic", "Plastic", "Paper", "Metal", "Glass", "Electronic"];
const FIELDS = ["period", "from", "to", "bucket", "zone", "waste_type", "status"];
const DEFAULTS = { period: "all", bucket: "month" };

export function timeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

// The view in the address, with defaults for what it does not say.
export function fromAddress() {
  const query = new URLSearchParams(window.location.search);
  const view = { ...DEFAULTS };
  for (const field of FIELDS) {
    if (query.get(field)) {
      view[field] = query.get(field);
    }
  }
  if (query.get("from") || query.get("to")) {
    view.period = "custom";
  }
  return view;
}

// Put the view in the address (replacing this history entry's, so Back
// leaves the page rather than stepping through every filter change).
export function toAddress(view) {
  // A preset period is kept by name (a link to "last 30 days" stays that);
  // dates only when they were chosen.
  const dated = view.period === "custom";
  const query = new URLSearchParams();
  for (const field of FIELDS) {
    const value = view[field];
    const kept = field === "from" || field === "to" ? dated : field !== "period" || !dated;
    if (kept && value && value !== DEFAULTS[field]) {
      query.set(field, value);
    }
  }
  const search = query.toString() ? `?${query}` : "";
  window.history.replaceState(null, "", window.location.pathname + search);
}

// A preset period as dates (YYYY-MM-DD, both included), today being `today`.
export function presetDates(period, today = new Date()) {
  const day = (date) => isoDate(date);
  const back = (days) => new Date(today.getFullYear(), today.getMonth(), today.getDate() - days);
  if (period === "30d") {
    return { from: day(back(29)), to: day(today) };
  }
  if (period === "12m") {
    const start = new Date(today.getFullYear(), today.getMonth() - 11, 1);
    return { from: day(start), to: day(today) };
  }
  if (period === "year") {
    return { from: `${today.getFullYear()}-01-01`, to: day(today) };
  }
  return { from: "", to: "" };
}

// The filters every report takes, as query parameters.
export function filterParams(view) {
  const params = new URLSearchParams();
  if (view.from) {
    params.set("from", localMidnight(view.from, 0).toISOString());
  }
  if (view.to) {
    params.set("to", localMidnight(view.to, 1).toISOString());
  }
  for (const field of ["zone", "waste_type", "status"]) {
    if (view[field]) {
      params.set(field, view[field]);
    }
  }
  return params;
}

export function isFiltered(view) {
  return Boolean(view.from || view.to || view.zone || view.waste_type || view.status);
}

// The first moment of the local day `days` after the date "YYYY-MM-DD".
function localMidnight(text, days) {
  const [year, month, date] = text.split("-").map(Number);
  return new Date(year, month - 1, date + days);
}

function isoDate(date) {
  const pad = (number) => String(number).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
