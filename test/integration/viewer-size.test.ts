// One viewer must not reshape another (issue 11): the pty has the size of the viewer who last typed or focused (as
// tmux's `window-size latest`); a viewer that only attaches or reports its pane size changes nothing for the others.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SseClient } from '../helpers/sse.js';
import { createAgent, startInstance, TermClient, waitStatus } from '../helpers/instances.js';

describe('viewer sizes', () => {
  let s: TestServer;
  let sse: SseClient;
  before(async () => {
    s = await startTestServer();
    sse = new SseClient(`${s.url}/api/events`, s.headers());
    await sse.ready;
  });
  after(async () => {
    await s.close();
    sse.close();
  });
  afterEach(async () => {
    await s.manager.stopAll();
  });

  test('a desktop and a phone: the size follows the viewer who last typed or focused; reports alone reshape nothing', async () => {
    const a = await createAgent(s, { name: 'sh', command: 'bash', args: ['--norc', '--noprofile', '-i'], env: { PS1: 'me$ ' } });
    const inst = await startInstance(s, a.id, { cols: 100, rows: 30 });
    await waitStatus(sse, inst.id, 'idle');
    let n = 0;
    /** The pty's size as the program sees it (typed through the API, which is no viewer). */
    const ptySize = async (viewer: TermClient) => {
      const tag = `size${++n}`;
      // Ctrl-U first: whatever a test put on the line goes.
      await s.api('POST', `/api/instances/${inst.id}/input`, { text: `\x15echo ${tag} $(stty size)`, keys: ['enter'] });
      const re = new RegExp(`${tag} (\\d+) (\\d+)`);
      await viewer.until(() => re.test(viewer.live()), tag);
      const [, rows, cols] = re.exec(viewer.live())!;
      return `${cols}x${rows}`;
    };
    const resizes = (t: TermClient) => t.controls.filter((c) => c.type === 'resize').map((c) => `${c.cols}x${c.rows}`);
    const send = (t: TermClient, m: object) => t.ws.send(JSON.stringify(m));

    const desk = new TermClient(s, inst.id);
    await desk.opened;
    send(desk, { type: 'resize', cols: 120, rows: 40 }); // the first viewer: nobody holds the size yet
    await desk.until(() => resizes(desk).includes('120x40'), 'the desktop size');
    assert.equal(await ptySize(desk), '120x40');

    const phone = new TermClient(s, inst.id);
    await phone.opened;
    await phone.until(() => phone.snapshot !== null, 'the phone snapshot');
    assert.deepEqual([phone.snapshot!.cols, phone.snapshot!.rows], [120, 40]);
    send(phone, { type: 'resize', cols: 47, rows: 20 }); // opening it on a phone
    // Its terminal answering a query of the program (device attributes) or reporting focus is no typing either.
    phone.ws.send(Buffer.from('\x1b[?1;2c\x1b[I'), { binary: true });
    assert.equal(await ptySize(desk), '120x40', 'the phone opening did not reshape the desktop');
    assert.deepEqual(resizes(desk), ['120x40']);

    send(phone, { type: 'focus' }); // a tap in the phone's terminal
    await desk.until(() => resizes(desk).includes('47x20'), 'the phone size at the desktop');
    assert.equal(await ptySize(phone), '47x20');
    assert.deepEqual(resizes(phone), ['47x20'], 'the phone got the resize frame too');

    desk.send('\x1b[D'); // a key typed at the desktop (Left: harmless at an empty prompt)
    await phone.until(() => resizes(phone).includes('120x40'), 'the desktop size at the phone');
    assert.equal(await ptySize(phone), '120x40');
    send(phone, { type: 'resize', cols: 40, rows: 22 }); // the phone rotates: still the desktop's size
    send(desk, { type: 'resize', cols: 110, rows: 40 }); // the holder's pane changes: applied
    await phone.until(() => resizes(phone).includes('110x40'), 'the desktop pane change');
    assert.equal(await ptySize(desk), '110x40');

    phone.send('\x1b[D'); // the phone types: its latest pane size
    await desk.until(() => resizes(desk).includes('40x22'), 'the phone typing');
    const seen = resizes(desk).length;
    phone.close(); // the holder leaves: the desktop (the viewer left) gets its own size back
    await desk.until(() => resizes(desk).length > seen, 'the size given back');
    assert.equal(resizes(desk).at(-1), '110x40');
    assert.equal(await ptySize(desk), '110x40');
    send(desk, { type: 'resize', cols: 130, rows: 40 }); // and its pane changes apply
    await desk.until(() => resizes(desk).includes('130x40'), 'the desktop pane change');
    assert.equal(await ptySize(desk), '130x40');
    desk.close();
  });
});
