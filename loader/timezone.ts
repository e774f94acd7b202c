/**
 * The short name of the local time zone at a given UTC offset, as C's `%Z` prints it
 * ("UTC", "CET", "PDT"), falling back to a numeric form ("+0530") where the host's Intl data
 * has no abbreviation.
 */
export function timezoneAbbreviation(gmtoffSeconds: number, isDst: boolean): string {
  const tz = process.env.TZ;
  if (gmtoffSeconds === 0 && !isDst && (!tz || /^(UTC|GMT|Etc\/UTC|UTC0|:?UTC)$/i.test(tz))) {
    return tz && /^GMT$/i.test(tz) ? "GMT" : "UTC";
  }
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(new Date());
    const name = parts.find((p) => p.type === "timeZoneName")?.value;
    if (name && /^[A-Z]{2,5}$/.test(name)) return name;
  } catch {
    // No Intl zone data: fall through to the numeric form.
  }
  const sign = gmtoffSeconds < 0 ? "-" : "+";
  const abs = Math.abs(gmtoffSeconds);
  const hh = String(Math.floor(abs / 3600)).padStart(2, "0");
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, "0");
  return `${sign}${hh}${mm}`;
}
