// The board as a spreadsheet: GET /api/tasks/export as CSV (parsed back with csv-parse) and as an Excel workbook (opened
// with exceljs), cell by cell against the API's own tasks; Korean and emoji intact; the board's filter; bad parameters.
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { fixtureProject, startTestServer, type TestServer } from '../helpers/server.js';

const HEADER = ['ID', 'Type', 'Title', 'Status', 'Priority', 'Dependencies', 'Notes'];

describe('tasks export (CSV, XLSX)', () => {
  let s: TestServer;
  let project: string;
  const q = (extra = '') => `?project=${encodeURIComponent(project)}${extra}`;
  let expected: string[][];
  const details = new Map<string, string>();
  before(async () => {
    s = await startTestServer();
    project = fixtureProject();
    // Text that breaks naive writers: commas, quotes, line breaks, a formula, Korean and emoji.
    await s.api('PUT', `/api/tasks/1${q()}`, { notes: '메모: "quoted", comma\nsecond line 🚀', status: 'done' });
    await s.api('PUT', `/api/tasks/2.1${q()}`, { status: 'done', details: '## 세부\n- 🧪 test' });
    await s.api('POST', `/api/tasks${q()}`, { title: '=HYPERLINK("http://x")', dependencies: ['1', '2'] });
    const tasks = (await s.api('GET', `/api/tasks${q()}`)).body.tasks;
    expected = [];
    assert.equal((await s.api('GET', `/api/tasks${q()}`)).body.detailsOmitted, false);
    for (const t of tasks) {
      details.set(t.id, t.details);
      for (const x of t.subtasks) details.set(x.id, x.details);
      expected.push([t.id, 'Main Task', t.title, t.status, t.priority, t.dependencies.join(', '), t.notes ?? '']);
      for (const x of t.subtasks) expected.push([x.id, 'Subtask', `  - ${x.title}`, x.status, x.priority, x.dependencies.join(', '), x.notes ?? '']);
    }
  });
  after(async () => { await s.close(); });

  async function get(query: string) {
    const res = await fetch(`${s.url}/api/tasks/export${q(query)}`, { headers: s.headers() });
    return { res, buf: Buffer.from(await res.arrayBuffer()) };
  }

  test('CSV: a BOM, the original columns, every task in board order, text intact; formulas defused', async () => {
    const { res, buf } = await get('&format=csv');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(res.headers.get('content-disposition')!, new RegExp(`attachment; filename="${path.basename(project)}-tasks-\\d{8}\\.csv"`));
    assert.deepEqual([...buf.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for Excel');
    const rows: string[][] = parseCsv(buf, { bom: true, relax_column_count: false });
    assert.deepEqual(rows[0], HEADER);
    assert.equal(rows.length - 1, 25);
    const want = expected.map((r) => r.map((c) => (/^[=+\-@]/.test(c) ? `'${c}` : c)));
    assert.deepEqual(rows.slice(1), want);
    assert.equal(rows[1][6], '메모: "quoted", comma\nsecond line 🚀');
    assert.equal(rows.at(-1)![2], `'=HYPERLINK("http://x")`, 'a formula is shown as text, not run');
    assert.ok(rows.some((r) => /[가-힣]/.test(r[2])), 'the fixture\'s Korean titles are intact');
  });

  test('XLSX: one sheet "Tasks" with the same cells (formulas as plain strings), Details when asked', async () => {
    const { res, buf } = await get('&format=xlsx&details=1');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
    assert.deepEqual(wb.worksheets.map((w) => w.name), ['Tasks']);
    const ws = wb.getWorksheet('Tasks')!;
    const cells: string[][] = [];
    ws.eachRow((row) => { cells.push((row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v)))); });
    assert.deepEqual(cells[0], [...HEADER, 'Details']);
    // exceljs leaves a row's trailing empty cells out: pad both sides to the eight columns.
    const pad = (r: string[]) => [...r, ...Array(Math.max(0, 8 - r.length)).fill('')];
    assert.deepEqual(cells.slice(1).map(pad), expected.map((r) => pad([...r, details.get(r[0]) ?? ''])));
    const byId = new Map(cells.slice(1).map((r) => [r[0], r]));
    assert.equal(byId.get('1')![6], '메모: "quoted", comma\nsecond line 🚀');
    assert.equal(byId.get('2.1')![7], '## 세부\n- 🧪 test');
    assert.equal(byId.get('5')![2], '=HYPERLINK("http://x")');
    assert.equal(ws.getCell(`C${cells.findIndex((r) => r[0] === '5') + 1}`).type, ExcelJS.ValueType.String, 'a string, never a formula');
  });

  test('the current filter: words, status, priority; a parent comes with its matching subtasks', async () => {
    const { buf } = await get('&format=csv&status=done');
    const ids = parseCsv(buf, { bom: true }).slice(1).map((r: string[]) => r[0]);
    assert.deepEqual(ids, ['1', '2', '2.1'], 'task 1 is done; task 2 comes for its done subtask 2.1');
    const { buf: b2 } = await get(`&format=csv&q=${encodeURIComponent('HYPERLINK')}`);
    assert.deepEqual(parseCsv(b2, { bom: true }).slice(1).map((r: string[]) => r[0]), ['5']);
    const { buf: b3 } = await get('&format=csv&priority=low&status=done');
    assert.equal(parseCsv(b3, { bom: true }).length, 1, 'only the header when nothing matches');
  });

  test('bad parameters are 400 with a message; nothing else changes', async () => {
    for (const [query, re] of [['&format=pdf', /format/], ['&status=started', /status/], ['&details=yes', /details/], ['&colour=red', /colour|Unrecognized/i]] as const) {
      const r = await s.api('GET', `/api/tasks/export${q(query)}`);
      assert.equal(r.status, 400, query);
      assert.equal(r.body.error.code, 'validation_failed');
      assert.match(r.body.error.message, re);
    }
    const r = await s.api('GET', '/api/tasks/export?project=relative/path');
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'invalid_path');
  });
});
