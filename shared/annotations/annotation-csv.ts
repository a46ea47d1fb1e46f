import type { z } from 'zod';
import { annotationDraftSchema, type Annotation, type AnnotationDraft } from '../api/domains/annotations.js';

/**
 * Marks as CSV, the file a trader keeps beside the workspace or moves to another one. One mark
 * per record, RFC 4180 quoting (a note may hold commas, quotes and line breaks):
 *
 *   instrument,kind,from,to,label,note
 *   binance:BTC/USDT,range,2026-01-05T10:00:00.000Z,2026-01-05T11:30:00.000Z,breakout,"high broke, volume 3x"
 *
 * `kind` is point or range; `from`/`to` are ISO 8601 times (UTC when no offset is written) or ms
 * since 1970; a point has to = from. The columns may come in any order; `note` may be left out.
 * Reading checks every record before anything is used, and a bad one is named by the line it
 * starts on, so a file with one typo is refused whole instead of half imported.
 */

export const ANNOTATION_CSV_COLUMNS = ['instrument', 'kind', 'from', 'to', 'label', 'note'] as const;
type Column = (typeof ANNOTATION_CSV_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['instrument', 'kind', 'from', 'to', 'label'];

/** A CSV that cannot be read, with the 1-based line of the record at fault (0: the file as a whole). */
export class AnnotationCsvError extends Error {
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(line === 0 ? problem : `line ${line}: ${problem}`);
    this.name = 'AnnotationCsvError';
  }
}

/** One mark read from a file, with the line its record starts on (for later checks to name). */
export interface CsvMark {
  readonly line: number;
  readonly draft: AnnotationDraft;
}

/** The CSV of `marks` in the documented columns, a header first, lines ended by \n. */
export function formatAnnotationCsv(marks: readonly Annotation[]): string {
  const lines = [ANNOTATION_CSV_COLUMNS.join(',')];
  for (const mark of marks) {
    lines.push(
      [
        mark.instrument,
        mark.kind,
        new Date(mark.from).toISOString(),
        new Date(mark.to).toISOString(),
        mark.label,
        mark.note,
      ]
        .map(quoted)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

function quoted(field: string): string {
  return /[",\r\n]/.test(field) || field !== field.trim() ? `"${field.replaceAll('"', '""')}"` : field;
}

/** Every mark of a CSV, checked; throws an AnnotationCsvError naming the first bad line. */
export function parseAnnotationCsv(text: string): CsvMark[] {
  const records = csvRecords(text.startsWith('\uFEFF') ? text.slice(1) : text);
  const header = records[0];
  if (header === undefined)
    throw new AnnotationCsvError(
      0,
      `the file is empty: expected a header ${ANNOTATION_CSV_COLUMNS.join(',')}`,
    );
  const positions = columnPositions(header.fields, header.line);
  const marks: CsvMark[] = [];
  for (const record of records.slice(1)) {
    const { fields, line } = record;
    if (fields.length !== header.fields.length)
      throw new AnnotationCsvError(
        line,
        `${fields.length} fields where the header has ${header.fields.length}`,
      );
    const field = (column: Column): string => {
      const at = positions.get(column);
      return at === undefined ? '' : (fields[at] ?? '');
    };
    const from = csvTime(field('from'), 'from', line);
    const to =
      field('to').trim() === '' && field('kind').trim() === 'point' ? from : csvTime(field('to'), 'to', line);
    const parsed = annotationDraftSchema.safeParse({
      instrument: field('instrument').trim(),
      kind: field('kind').trim(),
      from,
      to,
      label: field('label'),
      note: field('note'),
    });
    if (!parsed.success) throw new AnnotationCsvError(line, issuesText(parsed.error));
    marks.push({ line, draft: parsed.data });
  }
  return marks;
}

function columnPositions(header: readonly string[], line: number): Map<Column, number> {
  const positions = new Map<Column, number>();
  header.forEach((name, at) => {
    const column = ANNOTATION_CSV_COLUMNS.find((known) => known === name.trim().toLowerCase());
    if (column === undefined)
      throw new AnnotationCsvError(
        line,
        `unknown column '${name}' (columns: ${ANNOTATION_CSV_COLUMNS.join(', ')})`,
      );
    if (positions.has(column)) throw new AnnotationCsvError(line, `column '${column}' appears twice`);
    positions.set(column, at);
  });
  const missing = REQUIRED.filter((column) => !positions.has(column));
  if (missing.length > 0)
    throw new AnnotationCsvError(
      line,
      `the header lacks ${missing.join(', ')} (columns: ${ANNOTATION_CSV_COLUMNS.join(', ')})`,
    );
  return positions;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** ms UTC of an ISO 8601 time (UTC unless it says otherwise) or of an integer count of ms. */
function csvTime(text: string, column: string, line: number): number {
  const value = text.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const match = ISO_TIME.exec(value);
  if (match !== null) {
    const hasZone = match[4] !== undefined;
    const ms = Date.parse(
      hasZone
        ? value.replace(' ', 'T')
        : `${value.replace(' ', 'T')}${match[1] === undefined ? 'T00:00:00' : ''}Z`,
    );
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  throw new AnnotationCsvError(
    line,
    `${column} '${value}' is not a time (ISO 8601 such as 2026-01-05T10:00:00Z, or ms since 1970)`,
  );
}

function issuesText(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'mark'}: ${issue.message}`).join('; ');
}

interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

/** RFC 4180 records with the line each starts on; blank lines are skipped. */
function csvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quotedField = false;
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  const endRecord = (): void => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '' || quotedField) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    quotedField = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field.trim() !== '')
        throw new AnnotationCsvError(
          line,
          'a quote inside an unquoted field (quote the whole field, doubling its quotes)',
        );
      field = '';
      inQuotes = true;
      quotedField = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      quotedField = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else field += c;
  }
  if (inQuotes) throw new AnnotationCsvError(recordLine, 'a quoted field is not closed');
  if (field !== '' || fields.length > 0 || quotedField) endRecord();
  return records;
}
