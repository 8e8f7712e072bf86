// Which Prism grammar a file's diff is highlighted with, by its name (kept apart from the grammars, which load later).
const BY_EXT: Record<string, string> = {
  ts: 'typescript', mts: 'typescript', cts: 'typescript', tsx: 'tsx', js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'jsx',
  json: 'json', css: 'css', md: 'markdown', markdown: 'markdown', html: 'markup', htm: 'markup', xml: 'markup', svg: 'markup', vue: 'markup',
  py: 'python', sh: 'bash', bash: 'bash', zsh: 'bash', go: 'go', rs: 'rust', yml: 'yaml', yaml: 'yaml', sql: 'sql', java: 'java',
  c: 'c', h: 'c', cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hpp: 'cpp', rb: 'ruby',
};

export function languageOf(path: string): string | null {
  const name = path.split('/').pop() ?? '';
  if (/^(Dockerfile|Makefile)$/.test(name)) return null;
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  return BY_EXT[ext] ?? null;
}

