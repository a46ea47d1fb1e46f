import type { Migration } from './migration.js';

/**
 * A trader's marks on the price chart: a point (one moment) or a range (from..to), each with a
 * label ("breakout", "good entry") and a free note. `context` is the `history.context` snapshot
 * taken when the mark was made (trades, book and 1 m bars before its start), kept as JSON so the
 * mark still says what the market looked like after retention has deleted those rows. Marks go
 * with their instrument: deleting the instrument deletes them.
 */
export const migration0018: Migration = {
  version: 18,
  name: 'annotations',
  sql: `
CREATE TABLE annotations (
  id INTEGER PRIMARY KEY,
  instrument INTEGER NOT NULL REFERENCES instruments (key) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('point', 'range')),
  -- ms UTC; a point has from_ts = to_ts, a range ends strictly after it starts.
  from_ts INTEGER NOT NULL CHECK (from_ts >= 0),
  to_ts INTEGER NOT NULL,
  label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 64 AND label = trim(label)),
  note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
  created_at INTEGER NOT NULL,
  context TEXT NOT NULL CHECK (json_valid(context)),
  CHECK ((kind = 'point' AND to_ts = from_ts) OR (kind = 'range' AND to_ts > from_ts))
) STRICT;

CREATE INDEX annotations_by_time ON annotations (instrument, from_ts);
`,
};
