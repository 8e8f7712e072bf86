// A few line icons as inline SVG (no icon font, no emoji: they look the same everywhere).
const PATHS: Record<string, string> = {
  play: 'M5 3.5v9l7.5-4.5z',
  edit: 'M10.5 2.5l3 3L6 13H3v-3zM9 4l3 3',
  trash: 'M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 8.5h5.6l.7-8.5',
  bell: 'M4 11V7.5a4 4 0 018 0V11l1 1.5H3zM6.5 13.5a1.5 1.5 0 003 0',
  bellOff: 'M4 11V7.5a4 4 0 018 0V11l1 1.5H3zM6.5 13.5a1.5 1.5 0 003 0M2.5 2.5l11 11',
  search: 'M7 12A5 5 0 107 2a5 5 0 000 10zM10.5 10.5L14 14',
  menu: 'M2.5 4h11M2.5 8h11M2.5 12h11',
  folder: 'M2 4.5h4l1.5 1.5H14v6.5H2z',
  grid: 'M2.5 2.5h4.5v4.5H2.5zM9 2.5h4.5v4.5H9zM2.5 9h4.5v4.5H2.5zM9 9h4.5v4.5H9z',
  list: 'M5.5 4h8M5.5 8h8M5.5 12h8M2.5 4h.01M2.5 8h.01M2.5 12h.01',
  stop: 'M4 4h8v8H4z',
  restart: 'M3 8a5 5 0 109.5-2.2M12.5 2.5v3.3H9.2',
  branch: 'M5 2.5v11M5 10.5a3 3 0 003-3h1.5a2 2 0 002-2V4M11.5 4a1.5 1.5 0 100-.01M5 13.5a1.5 1.5 0 100-.01',
};

export function Icon({ name, size = 14, title }: { name: keyof typeof PATHS | string; size?: number; title?: string }) {
  const filled = name === 'play' || name === 'stop';
  return (
    <svg width={size} height={size} viewBox="0 0 16 16" aria-hidden={title ? undefined : true} role={title ? 'img' : undefined}
      fill={filled ? 'currentColor' : 'none'} stroke="currentColor" strokeWidth={filled ? 0 : 1.4} strokeLinecap="round" strokeLinejoin="round" className="icon">
      {title && <title>{title}</title>}
      <path d={PATHS[name] ?? ''} />
    </svg>
  );
}
