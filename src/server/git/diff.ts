// One file's diff against the base: git's unified patch (the web app renders it), capped, with binary files marked.
import type { FileDiff, FileStatus } from '../../common/changes.js';
import { git, GitError, zsplit } from './exec.js';
import { checkRelPath } from './repo.js';

/** Patches larger than this are not sent (the counts still are): a browser cannot show them usefully anyway. */
export const MAX_PATCH_BYTES = 1 << 20;

const DIFF_OPTS = ['--no-color', '--no-ext-diff', '--no-textconv', '-U3'];

/**
 * The diff of `file` (and of `oldPath`, for a rename) between the commit `from` and the working tree in `dir`.
 * A path git does not report as changed or untracked there is a 404-style `invalid_path`.
 */
export async function fileDiff(dir: string, from: string, file: string, oldPath?: string | null): Promise<FileDiff> {
  const p = checkRelPath(file);
  const old = oldPath ? checkRelPath(oldPath, 'oldPath') : null;
  const paths = old && old !== p ? ['--', old, p] : ['--', p];
  let r = await git(dir, ['diff', '-M', ...DIFF_OPTS, from, ...paths], { readOnly: true, maxBytes: MAX_PATCH_BYTES + 1 });
  let untracked = false;
  if (!r.truncated && r.stdout.length === 0) {
    const st = await git(dir, ['status', '--porcelain=v2', '-z', '--untracked-files=all', '--', p], { readOnly: true });
    if (!zsplit(st.stdout).includes(`? ${p}`)) throw new GitError('invalid_path', `${p} has no changes here`, { field: 'path' });
    untracked = true;
    r = await git(dir, ['diff', '--no-index', ...DIFF_OPTS, '--', '/dev/null', p], { readOnly: true, maxBytes: MAX_PATCH_BYTES + 1, ok: [0, 1] });
  }
  const tooLarge = r.truncated || r.stdout.length > MAX_PATCH_BYTES;
  const head = r.stdout.subarray(0, 4096).toString('utf8');
  const binary = /^Binary files .* differ$/m.test(head) || /^GIT binary patch$/m.test(head);
  const status: FileStatus = untracked ? 'untracked' : /^new file mode/m.test(head) ? 'added' : /^deleted file mode/m.test(head) ? 'deleted'
    : /^rename from /m.test(head) ? 'renamed' : 'modified';
  let added: number | null = null;
  let deleted: number | null = null;
  let patch = '';
  if (!binary && !tooLarge) {
    patch = r.stdout.toString('utf8');
    [added, deleted] = countLines(patch);
  } else if (tooLarge && !binary) {
    const ns = untracked
      ? await git(dir, ['diff', '--no-index', '--numstat', '-z', '--', '/dev/null', p], { readOnly: true, ok: [0, 1] })
      : await git(dir, ['diff', '-M', '--numstat', '-z', '--no-ext-diff', '--no-textconv', from, ...paths], { readOnly: true });
    const [a, d] = ns.stdout.toString('utf8').split('\t');
    if (a !== '-') { added = Number(a); deleted = Number(d); }
  }
  return { path: p, oldPath: status === 'renamed' ? old : null, status, binary, tooLarge, added, deleted, patch };
}

function countLines(patch: string): [number, number] {
  let a = 0, d = 0, inHunk = false;
  for (const line of patch.split('\n')) {
    if (line.startsWith('@@')) { inHunk = true; continue; }
    if (line.startsWith('diff --git')) { inHunk = false; continue; }
    if (!inHunk) continue;
    if (line[0] === '+') a++;
    else if (line[0] === '-') d++;
  }
  return [a, d];
}
