// Numbers and dates as a planner reads them, in the browser's locale.

const whole = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const tenths = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });

export function kilograms(kg) {
  if (kg >= 10000) {
    return `${tenths.format(kg / 1000)} t`;
  }
  return `${whole.format(kg)} kg`;
}

export function count(number) {
  return whole.format(number);
}

export function share(ratio) {
  return ratio === null || ratio === undefined ? "-" : percent.format(ratio);
}

export function litres(volume) {
  return `${whole.format(volume)} L`;
}

export function moment(iso) {
  return iso
    ? new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(
        new Date(iso),
      )
    : "no data yet";
}

// A period's label: its first moment, read in the browser's zone (the zone
// the series was asked in, so the date is the period's own).
export function period(iso, bucket) {
  const options =
    bucket === "month"
      ? { month: "short", year: "numeric" }
      : { day: "numeric", month: "short", year: "numeric" };
  return new Intl.DateTimeFormat(undefined, options).format(new Date(iso));
}

// Okabe and Ito's colour-blind-safe palette, one colour per waste type.
export const PALETTE = {
  Organic: "#009E73",
  Plastic: "#E69F00",
  Paper: "#56B4E9",
  Metal: "#555555",
  Glass: "#0072B2",
  Electronic: "#CC79A7",
};
