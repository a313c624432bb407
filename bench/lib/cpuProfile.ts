// Summarises a V8 .cpuprofile written by the Tessera server child under --cpu-prof: share of
// busy (non-idle) samples per module (self time: src/… folder, node_modules package or node
// internals) and per function including callees (Tessera code, packages, node:crypto), to
// point at bottlenecks. The profile covers start-up too, and V8 samples wall time, so time
// the process spent preempted lands on whatever it was doing (often a socket write).

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives, coarsely. */
function moduleOf(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `pkg ${nm[1]}`;
  const src = /\/(src|bench)\/(.*)\/[^/]+$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url.replace(/^.*\//, '');
}

const label = (frame: ProfileNode['callFrame']) =>
  `${frame.functionName || '(anonymous)'}${frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ''}`;

/** Time under each interesting function (a recursive frame is counted once). */
function inclusive(profile: CpuProfile, byId: Map<number, ProfileNode>, self: Map<number, number>, busy: number): Array<[string, number]> {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, number>();
  const total = (id: number): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    let sum = self.get(id) ?? 0;
    for (const c of byId.get(id)?.children ?? []) sum += total(c);
    memo.set(id, sum);
    return sum;
  };
  const interesting = (url: string) => /\/src\/|node_modules|node:internal\/crypto|^node:crypto/.test(url);
  const out = new Map<string, number>();
  for (const n of profile.nodes) {
    if (!interesting(n.callFrame.url)) continue;
    const key = label(n.callFrame);
    let up = parent.get(n.id);
    let nested = false;
    while (up !== undefined) {
      const frame = byId.get(up)?.callFrame;
      if (frame && label(frame) === key) {
        nested = true;
        break;
      }
      up = parent.get(up);
    }
    if (!nested) out.set(key, (out.get(key) ?? 0) + total(n.id));
  }
  return [...out].filter(([, us]) => us <= 0.6 * busy).sort((a, b) => b[1] - a[1]);
}

const shortUrl = (url: string) => url.replace(/^file:\/\/.*?\/(src|bench|node_modules)\//, '$1/').replace(/^node_modules\//, '');

/** Text lines: top functions and modules by self time. */
export function summariseCpuProfile(json: string, top = 15): string[] {
  const profile = JSON.parse(json) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const fnTime = new Map<string, number>();
  const modTime = new Map<string, number>();
  let busy = 0;
  let total = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += us;
    const fn = label(node.callFrame);
    fnTime.set(fn, (fnTime.get(fn) ?? 0) + us);
    const mod = moduleOf(url, functionName);
    modTime.set(mod, (modTime.get(mod) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / Math.max(1, busy)).toFixed(1).padStart(5)}%`;
  const lines = [`profile: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy; shares of busy time (self):`];
  lines.push('  by module:');
  for (const [mod, us] of [...modTime].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`    ${pct(us)}  ${mod}`);
  lines.push('  by function (self):');
  for (const [fn, us] of [...fnTime].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`    ${pct(us)}  ${fn}`);
  lines.push('  by function including callees (Tessera code, packages, node:crypto; dispatch frames above 60% left out):');
  for (const [fn, us] of inclusive(profile, byId, self, busy).slice(0, top)) lines.push(`    ${pct(us)}  ${fn}`);
  return lines;
}
