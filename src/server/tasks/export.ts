// The board as a spreadsheet, with the original AreYouJ's columns (ID, Type, Title, Status, Priority, Dependencies,
// Notes, and Details when asked): CSV (UTF-8 with a BOM, so Excel reads Korean and emoji right) and an Excel workbook
// written with exceljs. Rows in board order: each top-level task, then its subtasks (titles indented "  - ", as the
// original did).
import ExcelJS from 'exceljs';
import type { Task } from '../../common/schema.js';
import { filterTasks, type TaskFilter } from '../../common/task-filter.js';

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_COLUMNS = ['ID', 'Type', 'Title', 'Status', 'Priority', 'Dependencies', 'Notes'] as const;
/** Column widths of the original's workbook (characters), Details last. */
const WIDTHS = [10, 15, 50, 15, 15, 20, 60, 80];

export type ExportRow = string[];

/** The header and the rows of the board as filtered (all of it with an empty filter). */
export function exportRows(tasks: Task[], filter: TaskFilter, details: boolean): { header: string[]; rows: ExportRow[] } {
  const header: string[] = [...EXPORT_COLUMNS, ...(details ? ['Details'] : [])];
  const row = (t: Task, sub: boolean): ExportRow => [
    t.id, sub ? 'Subtask' : 'Main Task', sub ? `  - ${t.title}` : t.title, t.status, t.priority, t.dependencies.join(', '), t.notes ?? '',
    ...(details ? [t.details] : []),
  ];
  const rows: ExportRow[] = [];
  for (const { task, subs } of filterTasks(tasks, filter)) {
    rows.push(row(task, false));
    for (const s of subs) rows.push(row(s, true));
  }
  return { header, rows };
}

/**
 * A cell as CSV (RFC 4180): quoted when it holds a comma, a quote or a line break. A cell that a spreadsheet would run
 * as a formula (starting with = + - @ or a tab/CR) gets a leading apostrophe, which Excel shows as text (OWASP's
 * advice against CSV injection: task text comes from agents). The workbook needs no such guard: its cells are strings.
 */
export function csvCell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(header: string[], rows: ExportRow[]): Buffer {
  const lines = [header, ...rows].map((r) => r.map(csvCell).join(','));
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

export async function toXlsx(header: string[], rows: ExportRow[], title: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'AreYouJ';
  wb.title = title;
  const ws = wb.addWorksheet('Tasks', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = header.map((h, i) => ({ header: h, key: h, width: WIDTHS[i] ?? 20 }));
  ws.getRow(1).font = { bold: true };
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: header.length } };
  for (const r of rows) ws.addRow(r);
  if (header.includes('Details')) ws.getColumn(header.length).alignment = { wrapText: true, vertical: 'top' };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** `<project folder>-tasks-YYYYMMDD.<ext>`, the original's file name. */
export function exportFileName(projectName: string, format: ExportFormat, now = new Date()): string {
  const d = `${now.getFullYear()}${String(now.getMonth() + 1).padStart(2, '0')}${String(now.getDate()).padStart(2, '0')}`;
  return `${projectName || 'areyouj'}-tasks-${d}.${format}`;
}

export const EXPORT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
