// @vitest-environment happy-dom
import { hydrate, render } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient, type SessionInfo, type SessionListener } from '../../widget/api.ts';
import { App } from '../../widget/App.tsx';
import { typedBeforeHydration } from '../../widget/typedBeforeHydration.ts';
import type { Note, NotesPage } from '../../contract/notes.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const ME: SessionInfo = { user: { id: 'u-me', name: 'Ada' }, context: 'page:42' };
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();

function note(id: string, body: string, author: SessionInfo['user'], minutes: number): Note {
  return { id, body, author, createdAt: minutesAgo(minutes), updatedAt: minutesAgo(minutes), version: 1 };
}

const mine = note('n-1', 'My note', ME.user, 5);
const theirs = note('n-2', 'Their note', { id: 'u-bob', name: 'Bob' }, 90);
const page = (notes: Note[], nextCursor: string | null = null): NotesPage => ({ notes, nextCursor });

type Handler = (method: string, path: string, body?: unknown) => Promise<unknown>;

function fakeApi(handler: Handler = () => new Promise(() => {})) {
  let listener: SessionListener | null = null;
  const api = {
    request: vi.fn(handler),
    markActive: vi.fn(),
    recover: vi.fn(async () => false),
    logout: vi.fn(async () => {}),
    subscribe: (l: SessionListener) => {
      listener = l;
      return () => (listener = null);
    },
    stop() {},
    stream: vi.fn(async (_path: string, _lastEventId: string, _signal: AbortSignal): Promise<Response | null> => new Promise(() => {})),
  };
  return { api: api as ApiClient & typeof api, emit: (status: 'active' | 'expired', session?: SessionInfo) => act(() => listener?.(status, session)) };
}

/** A promise the test settles by hand, to look at the UI while a request is in flight. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

let root: HTMLElement;
const $ = (id: string, within: ParentNode = root) => within.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const $$ = (id: string, within: ParentNode = root) => [...within.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
const bodies = () => $$('note-body').map((b) => b.textContent);

async function mount(api: ApiClient, initial: NotesPage | null = null, props: { locale?: string; contextLabel?: string } = {}) {
  await act(() => render(<App api={api} session={ME} initial={initial} renderedAt={NOW} {...props} />, root));
}
/** What the browser would say about itself; restored after each test. */
function pretendBrowser({ language, platform }: { language?: string; platform?: string }) {
  if (language) vi.spyOn(navigator, 'language', 'get').mockReturnValue(language);
  if (platform) vi.spyOn(navigator, 'platform', 'get').mockReturnValue(platform);
}
const manyNotes = (count: number) => Array.from({ length: count }, (_, i) => note(`n-${i}`, `Note ${i}`, { id: 'u-bob', name: 'Bob' }, i + 1));
const click = (el: HTMLElement | null) => act(() => el!.click());
async function type(el: HTMLElement | null, text: string) {
  await act(() => {
    (el as HTMLTextAreaElement).value = text;
    el!.dispatchEvent(new Event('input', { bubbles: true }));
  });
}
const press = (el: HTMLElement | null, key: string, init: KeyboardEventInit = {}) =>
  act(() => {
    el!.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init }));
  });
const settle = () => act(async () => {});

beforeEach(() => {
  vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
  root = document.createElement('div');
  document.body.append(root);
});
afterEach(async () => {
  await act(() => render(null, root));
  root.remove();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('the thread', () => {
  it('shows each note with its author and relative time; edit and delete only on your own', async () => {
    await mount(fakeApi().api, page([mine, theirs]));
    expect($('user-name')!.textContent).toBe('Ada');
    const notes = $$('note');
    expect(notes.map((n) => $('note-author', n)!.textContent)).toEqual(['Ada', 'Bob']);
    expect(notes.map((n) => n.querySelector('time')!.textContent)).toEqual(['5 min. ago', '2 hr. ago']);
    expect(notes[0]!.querySelector('time')!.getAttribute('datetime')).toBe(mine.createdAt);
    expect($('note-edit', notes[0])).not.toBeNull();
    expect($('note-delete', notes[0])).not.toBeNull();
    expect($('note-edit', notes[1])).toBeNull();
    expect($('note-delete', notes[1])).toBeNull();
  });

  it('keeps edit and delete on the note\'s meta line, so they cost the note no extra line', async () => {
    await mount(fakeApi().api, page([mine]));
    const meta = $('note')!.querySelector('.meta')!;
    expect($('note-edit', meta)).not.toBeNull();
    expect($('note-delete', meta)).not.toBeNull();
    await click($('note-delete'));
    expect($('note-delete-confirm', meta)).not.toBeNull();
  });

  it('renders note text as text, never as markup', async () => {
    const evil = note('n-x', '<img src=x onerror="alert(1)"><b>bold</b>', { id: 'u-eve', name: '<i>Eve</i>' }, 1);
    await mount(fakeApi().api, page([evil]));
    expect($('note-body')!.textContent).toBe(evil.body);
    expect($('note-author')!.textContent).toBe('<i>Eve</i>');
    expect(root.querySelector('img, b, i')).toBeNull();
  });

  it('shows the empty state for a thread without notes', async () => {
    await mount(fakeApi().api, page([]));
    expect($('notes-empty')).not.toBeNull();
    expect($('note-list')).toBeNull();
  });

  it('shows a loading state until the first page arrives when nothing was rendered on the server', async () => {
    const load = deferred<NotesPage>();
    const { api } = fakeApi(() => load.promise);
    await mount(api);
    expect($('notes-loading')).not.toBeNull();
    expect(api.request).toHaveBeenCalledWith('GET', '/api/notes');
    await act(async () => load.resolve(page([theirs])));
    expect($('notes-loading')).toBeNull();
    expect(bodies()).toEqual(['Their note']);
  });

  it('shows an error state with a working retry when loading fails', async () => {
    let fail = true;
    const { api } = fakeApi(async () => {
      if (fail) throw new ApiError(0, 'network_error', 'The server could not be reached.');
      return page([theirs]);
    });
    await mount(api);
    await settle();
    expect($('notes-error')!.textContent).toContain('The server could not be reached.');
    expect($('notes-error')!.getAttribute('role')).toBe('alert');
    fail = false;
    await click($('notes-error')!.querySelector('button'));
    await settle();
    expect($('notes-error')).toBeNull();
    expect(bodies()).toEqual(['Their note']);
  });

  it('shows the newest 20 notes and reveals the rest of the page without a request', async () => {
    const { api } = fakeApi();
    await mount(api, page(manyNotes(50), 'cursor-1'));
    expect(bodies()).toHaveLength(20);
    expect($('notes-more')!.textContent).toBe('Show 20 older notes');
    await click($('notes-more'));
    expect(bodies()).toHaveLength(40);
    expect($('notes-more')!.textContent).toBe('Show 10 older notes');
    await click($('notes-more'));
    expect(bodies()).toEqual(manyNotes(50).map((n) => n.body));
    expect(api.request).not.toHaveBeenCalled();
    // Only now, with every loaded note shown, does the button fetch the next page.
    expect($('notes-more')!.textContent).toBe('Show older notes');
    await click($('notes-more'));
    expect(api.request).toHaveBeenCalledWith('GET', '/api/notes?before=cursor-1');
  });

  it('loads older notes with the cursor and appends them', async () => {
    const older = note('n-3', 'Older', ME.user, 600);
    const { api } = fakeApi(async () => page([older]));
    await mount(api, page([mine], 'cursor-1'));
    await click($('notes-more'));
    await settle();
    expect(api.request).toHaveBeenCalledWith('GET', '/api/notes?before=cursor-1');
    expect(bodies()).toEqual(['My note', 'Older']);
    expect($('notes-more')).toBeNull();
  });
});

describe('links in notes', () => {
  it('turns http and https addresses into links that open a new tab and tell the target nothing; nothing else', async () => {
    const body = 'See https://example.com/a?b=1, and (https://en.wikipedia.org/wiki/Foo_(bar)). Not: javascript:alert(1) data:text/html,x ftp://x.example HTTP://LOUD.example.';
    await mount(fakeApi().api, page([note('n-l', body, { id: 'u-bob', name: 'Bob' }, 1)]));
    const links = [...$('note-body')!.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com/a?b=1', 'https://en.wikipedia.org/wiki/Foo_(bar)', 'HTTP://LOUD.example']);
    for (const a of links) {
      expect(a.getAttribute('rel')).toBe('noopener noreferrer nofollow');
      expect(a.getAttribute('target')).toBe('_blank');
    }
    // The text reads exactly as written.
    expect($('note-body')!.textContent).toBe(body);
  });

  it('builds links as elements, so markup in an address stays text', async () => {
    const body = 'https://example.com/"><img src=x onerror=alert(1)>';
    await mount(fakeApi().api, page([note('n-x', body, { id: 'u-eve', name: 'Eve' }, 1)]));
    expect(root.querySelector('img')).toBeNull();
    expect(root.querySelector('a')!.getAttribute('href')).toBe('https://example.com/');
    expect($('note-body')!.textContent).toBe(body);
  });
});

describe('right-to-left text and the reader\'s locale', () => {
  it('lets note bodies, author names, the composer and the editor take their direction from their own text', async () => {
    await mount(fakeApi().api, page([note('n-he', 'שלום עולם.', ME.user, 1)]));
    expect($('note-body')!.getAttribute('dir')).toBe('auto');
    expect($('note-author')!.getAttribute('dir')).toBe('auto');
    expect($('composer-input')!.getAttribute('dir')).toBe('auto');
    await click($('note-edit'));
    expect($('note-edit-input')!.getAttribute('dir')).toBe('auto');
  });

  it('writes times in the locale it is given, with the full date on hover', async () => {
    await mount(fakeApi().api, page([mine, theirs]), { locale: 'de' });
    const times = $$('note').map((n) => n.querySelector('time')!);
    expect(times.map((t) => t.textContent)).toEqual(['vor 5 Min.', 'vor 2 Std.']);
    expect(times[0]!.getAttribute('title')).toMatch(/^Mittwoch, 25\. November 2026 um \d\d:\d\d$/);
  });

  it('without a locale, uses the browser\'s language once hydrated', async () => {
    pretendBrowser({ language: 'fr-FR' });
    await mount(fakeApi().api, page([mine]));
    expect($('note')!.querySelector('time')!.textContent).toMatch(/^il y a 5\smin$/);
  });

  it('falls back to English when the locale is not one Intl can read (WebKitGTK in a C locale says "C")', async () => {
    pretendBrowser({ language: 'C' });
    await mount(fakeApi().api, page([mine]));
    expect($('note')!.querySelector('time')!.textContent).toBe('5 min. ago');
    await act(() => render(null, root));
    await mount(fakeApi().api, page([mine]), { locale: 'not a locale!' });
    expect($('note')!.querySelector('time')!.textContent).toBe('5 min. ago');
  });

  it('shows ⌘+Enter on a Mac and Ctrl+Enter elsewhere', async () => {
    await mount(fakeApi().api, page([]));
    expect($('composer-input')!.closest('form')!.textContent).toContain('Ctrl+Enter to post');
    await act(() => render(null, root));
    pretendBrowser({ platform: 'MacIntel' });
    await mount(fakeApi().api, page([]));
    expect($('composer-input')!.closest('form')!.textContent).toContain('⌘+Enter to post');
  });
});

describe('the context', () => {
  it('never shows the raw context id; shows the host\'s label when there is one', async () => {
    await mount(fakeApi().api, page([]));
    expect(root.querySelector('header')!.textContent).not.toContain('page:42');
    await act(() => render(null, root));
    await mount(fakeApi().api, page([]), { contextLabel: 'Page: Onboarding' });
    expect(root.querySelector('header')!.textContent).toContain('Page: Onboarding');
    expect(root.querySelector('header')!.textContent).not.toContain('page:42');
  });
});

describe('the composer', () => {
  it('has a label, and posts on Ctrl+Enter optimistically before the server answers', async () => {
    const post = deferred<{ note: Note }>();
    const { api } = fakeApi(() => post.promise);
    await mount(api, page([theirs]));
    const input = $('composer-input') as HTMLTextAreaElement;
    expect(root.querySelector(`label[for="${input.id}"]`)!.textContent).toBe('New note');
    await type(input, '  Fresh thought  ');
    await press(input, 'Enter', { ctrlKey: true });
    expect(api.request).toHaveBeenCalledWith('POST', '/api/notes', { body: 'Fresh thought' });
    expect(bodies()).toEqual(['Fresh thought', 'Their note']);
    expect($$('note')[0]!.classList.contains('pending')).toBe(true);
    expect(input.value).toBe('');

    await act(async () => post.resolve({ note: note('n-new', 'Fresh thought', ME.user, 0) }));
    expect($$('note')[0]!.classList.contains('pending')).toBe(false);
    expect($('note-edit', $$('note')[0])).not.toBeNull();
  });

  it('also posts on Cmd+Enter and with the button, but not on a plain Enter or when empty', async () => {
    const { api } = fakeApi(async (_m, _p, body) => ({ note: note(`n-${Math.random()}`, (body as { body: string }).body, ME.user, 0) }));
    await mount(api, page([]));
    const input = $('composer-input');
    expect(($('composer-submit') as HTMLButtonElement).disabled).toBe(true);
    await type(input, '   ');
    await press(input, 'Enter', { ctrlKey: true });
    await type(input, 'one');
    await press(input, 'Enter');
    expect(api.request).not.toHaveBeenCalled();
    await press(input, 'Enter', { metaKey: true });
    await type(input, 'two');
    await click($('composer-submit'));
    await settle();
    expect(api.request.mock.calls.map((c) => c[2])).toEqual([{ body: 'one' }, { body: 'two' }]);
  });

  it('rolls a failed post back, says why, and puts the text back in the box', async () => {
    const post = deferred<{ note: Note }>();
    const { api } = fakeApi(() => post.promise);
    await mount(api, page([theirs]));
    await type($('composer-input'), 'Will fail');
    await click($('composer-submit'));
    expect(bodies()).toEqual(['Will fail', 'Their note']);
    await act(async () => post.reject(new ApiError(400, 'validation_failed', 'A note can be at most 4000 characters.')));
    expect(bodies()).toEqual(['Their note']);
    expect($('notice')!.textContent).toContain('A note can be at most 4000 characters.');
    expect($('notice')!.getAttribute('role')).toBe('alert');
    expect(($('composer-input') as HTMLTextAreaElement).value).toBe('Will fail');
  });
});

describe('the length limit', () => {
  const hint = () => root.querySelector('#composer-hint')!;

  it('keeps a paste over 4,000 characters whole, says how far over it is, and will not post it', async () => {
    const { api } = fakeApi();
    await mount(api, page([]));
    const long = 'x'.repeat(4010);
    await type($('composer-input'), long);
    expect(($('composer-input') as HTMLTextAreaElement).value).toBe(long);
    expect(($('composer-input') as HTMLTextAreaElement).maxLength).toBeLessThan(0); // no silent cut by the browser
    expect(hint().textContent).toBe('10 characters too many');
    expect(hint().classList.contains('over')).toBe(true);
    expect(($('composer-submit') as HTMLButtonElement).disabled).toBe(true);
    await press($('composer-input'), 'Enter', { ctrlKey: true });
    expect(api.request).not.toHaveBeenCalled();
    await type($('composer-input'), 'x'.repeat(3999));
    expect(hint().textContent).toBe('1 character left');
    expect(($('composer-submit') as HTMLButtonElement).disabled).toBe(false);
  });

  it('counts characters as the server does: code points, after trimming', async () => {
    await mount(fakeApi().api, page([]));
    await type($('composer-input'), `  ${'😀'.repeat(4000)}  `);
    expect(hint().classList.contains('over')).toBe(false);
    expect(($('composer-submit') as HTMLButtonElement).disabled).toBe(false);
  });

  it('will not save an edit over the limit either', async () => {
    await mount(fakeApi().api, page([mine]));
    await click($('note-edit'));
    await type($('note-edit-input'), 'y'.repeat(4001));
    expect(($('note-save') as HTMLButtonElement).disabled).toBe(true);
    expect($('note')!.querySelector('.over')!.textContent).toBe('1 character too many');
  });
});

describe('editing your note', () => {
  it('moves focus into the editor, saves on Ctrl+Enter optimistically and returns focus to Edit', async () => {
    const patch = deferred<{ note: Note }>();
    const { api } = fakeApi(() => patch.promise);
    await mount(api, page([mine, theirs]));
    await click($('note-edit'));
    const editor = $('note-edit-input') as HTMLTextAreaElement;
    expect(document.activeElement).toBe(editor);
    expect(editor.value).toBe('My note');
    await type(editor, 'My better note');
    await press(editor, 'Enter', { ctrlKey: true });
    expect(api.request).toHaveBeenCalledWith('PATCH', '/api/notes/n-1', { body: 'My better note' }, { 'If-Match': '"v1"' });
    expect(bodies()).toEqual(['My better note', 'Their note']);
    expect(document.activeElement).toBe($('note-edit'));
    await act(async () => patch.resolve({ note: { ...mine, body: 'My better note', updatedAt: minutesAgo(0) } }));
    expect($$('note')[0]!.textContent).toContain('edited');
  });

  it('rolls a failed edit back with a message and reopens the editor with what was typed', async () => {
    const { api } = fakeApi(async () => {
      throw new ApiError(0, 'network_error', 'The server could not be reached.');
    });
    await mount(api, page([mine]));
    await click($('note-edit'));
    await type($('note-edit-input'), 'Changed');
    await click($('note-save'));
    await settle();
    expect($('notice')!.textContent).toContain('The server could not be reached.');
    const editor = $('note-edit-input') as HTMLTextAreaElement;
    expect(editor.value).toBe('Changed');
    expect(document.activeElement).toBe(editor);
    await press(editor, 'Escape');
    expect(bodies()).toEqual(['My note']);
  });

  it('cancels with Escape without a request', async () => {
    const { api } = fakeApi();
    await mount(api, page([mine]));
    await click($('note-edit'));
    await type($('note-edit-input'), 'Never mind');
    await press($('note-edit-input'), 'Escape');
    expect($('note-edit-input')).toBeNull();
    expect(bodies()).toEqual(['My note']);
    expect(document.activeElement).toBe($('note-edit'));
    expect(api.request).not.toHaveBeenCalled();
  });
});

describe('an edit based on an older version (409 conflict)', () => {
  const saved: Note = { ...mine, body: 'Edited in the other tab', version: 2, updatedAt: minutesAgo(1) };
  const conflict = () => new ApiError(409, 'conflict', 'This note was changed after your copy of it was loaded.', { error: { code: 'conflict', message: '' }, note: saved });

  it('shows both versions and, on "Keep mine", sends mine again based on the saved version', async () => {
    const { api } = fakeApi(async (_method, _path, body) => {
      if (api.request.mock.calls.length === 1) throw conflict();
      return { note: { ...saved, body: (body as { body: string }).body, version: 3 } };
    });
    await mount(api, page([mine]));
    await click($('note-edit'));
    await type($('note-edit-input'), 'Mine, from the stale tab');
    await click($('note-save'));
    await settle();
    expect($('conflict-saved')!.textContent).toBe('Edited in the other tab');
    expect($('conflict-mine')!.textContent).toBe('Mine, from the stale tab');
    expect(document.activeElement).toBe($('conflict-keep-mine'));
    expect($('notice')).toBeNull();
    await click($('conflict-keep-mine'));
    await settle();
    expect(api.request).toHaveBeenLastCalledWith('PATCH', '/api/notes/n-1', { body: 'Mine, from the stale tab' }, { 'If-Match': '"v2"' });
    expect($('note-conflict')).toBeNull();
    expect(bodies()).toEqual(['Mine, from the stale tab']);
  });

  it('on "Use saved version", shows the saved note and sends nothing more', async () => {
    const { api } = fakeApi(async () => {
      throw conflict();
    });
    await mount(api, page([mine]));
    await click($('note-edit'));
    await type($('note-edit-input'), 'Mine');
    await click($('note-save'));
    await settle();
    await click($('conflict-use-saved'));
    expect(bodies()).toEqual(['Edited in the other tab']);
    expect(api.request).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe($('note-edit'));
  });

  it('keeps a refused delete and shows the new version with one message', async () => {
    const { api } = fakeApi(async () => {
      throw conflict();
    });
    await mount(api, page([mine, theirs]));
    await click($('note-delete'));
    await click($('note-delete-confirm'));
    await settle();
    expect(bodies()).toEqual(['Edited in the other tab', 'Their note']);
    expect($('notice')!.textContent).toContain('changed elsewhere');
  });
});

describe('avatars', () => {
  it('shows the author\'s picture when the host sent one, initials otherwise, and initials when the picture fails', async () => {
    // happy-dom loads no images: an image is "complete" with no size at once; a browser is still loading it.
    vi.spyOn(HTMLImageElement.prototype, 'complete', 'get').mockReturnValue(false);
    const { api } = fakeApi();
    const pictured = note('n-5', 'With a face', { id: 'u-eve', name: 'Eve', picture: 'https://cdn.host.example/eve.png' }, 2);
    await mount(api, page([pictured, theirs, note('n-6', 'Nameless', { id: 'u-x', name: null }, 3)]));
    const avatars = [...root.querySelectorAll('.avatar')];
    expect(avatars[0]!.tagName).toBe('IMG');
    expect(avatars[0]!.getAttribute('src')).toBe('https://cdn.host.example/eve.png');
    expect(avatars[0]!.getAttribute('referrerpolicy')).toBe('no-referrer');
    expect(avatars[0]!.getAttribute('alt')).toBe('');
    expect(avatars.slice(1).map((a) => a.textContent)).toEqual(['B', '?']);
    await act(() => void avatars[0]!.dispatchEvent(new Event('error')));
    expect(root.querySelector('.avatar')!.tagName).toBe('SPAN');
    expect(root.querySelector('.avatar')!.textContent).toBe('E');
  });
});

describe('live updates', () => {
  function liveStream() {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    return {
      response: new Response(body, { status: 200 }),
      send: (id: number, event: unknown) => act(async () => {
        controller.enqueue(new TextEncoder().encode(`id: ${id}\nevent: note\ndata: ${JSON.stringify(event)}\n\n`));
        for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 0));
      }),
    };
  }

  it('shows notes others add, edit and delete, starting from the first page\'s lastEventId', async () => {
    const live = liveStream();
    const { api } = fakeApi();
    api.stream.mockResolvedValueOnce(live.response);
    await mount(api, { ...page([mine, theirs]), lastEventId: '5' });
    await settle();
    expect(api.stream).toHaveBeenCalledWith('/api/notes/stream', '5', expect.any(AbortSignal));
    const fresh = note('n-3', 'Live from Bob', { id: 'u-bob', name: 'Bob' }, 0);
    await live.send(6, { kind: 'created', note: fresh });
    expect(bodies()).toEqual(['Live from Bob', 'My note', 'Their note']);
    await live.send(7, { kind: 'updated', note: { ...theirs, body: 'Their note, edited', version: 2 } });
    expect(bodies()).toEqual(['Live from Bob', 'My note', 'Their note, edited']);
    await live.send(8, { kind: 'deleted', id: 'n-3' });
    expect(bodies()).toEqual(['My note', 'Their note, edited']);
  });

  it('drops the old session\'s stream when a relaunch starts a new session, and follows the new thread from its first page', async () => {
    const live = liveStream();
    const { api, emit } = fakeApi(async (method, path) => (method === 'GET' && path === '/api/notes' ? { ...page([]), lastEventId: '9' } : undefined));
    api.stream.mockResolvedValueOnce(live.response);
    await mount(api, { ...page([mine]), lastEventId: '5' });
    await settle();
    const first = api.stream.mock.calls[0]![2];
    await emit('active', { ...ME, context: 'page:43' });
    await settle();
    expect(first.aborted).toBe(true);
    expect(api.stream).toHaveBeenLastCalledWith('/api/notes/stream', '9', expect.any(AbortSignal));
  });

  it('shows my own note once when the stream brings it before the answer to my post', async () => {
    const live = liveStream();
    let answer!: (value: unknown) => void;
    const posted = note('n-7', 'Posted here', ME.user, 0);
    const { api } = fakeApi((method) => (method === 'POST' ? new Promise((resolve) => (answer = resolve)) : Promise.resolve(undefined)));
    api.stream.mockResolvedValueOnce(live.response);
    await mount(api, { ...page([theirs]), lastEventId: '1' });
    await settle();
    await type($('composer-input'), 'Posted here');
    await click($('composer-submit'));
    expect(root.querySelectorAll('.note.pending').length).toBe(1);
    await live.send(2, { kind: 'created', note: posted });
    expect(bodies()).toEqual(['Posted here', 'Their note']);
    expect(root.querySelectorAll('.note.pending').length).toBe(0);
    await act(async () => answer({ note: posted }));
    await settle();
    expect(bodies()).toEqual(['Posted here', 'Their note']);
  });

  it('keeps an open edit based on the version it started from, so a newer one arriving live is not overwritten', async () => {
    const live = liveStream();
    const { api } = fakeApi(async () => {
      throw new ApiError(409, 'conflict', 'changed', { note: { ...mine, body: 'From my other tab', version: 2 } });
    });
    api.stream.mockResolvedValueOnce(live.response);
    await mount(api, { ...page([mine]), lastEventId: '1' });
    await settle();
    await click($('note-edit'));
    await type($('note-edit-input'), 'From this tab');
    await live.send(2, { kind: 'updated', note: { ...mine, body: 'From my other tab', version: 2 } });
    await click($('note-save'));
    await settle();
    expect(api.request).toHaveBeenCalledWith('PATCH', '/api/notes/n-1', { body: 'From this tab' }, { 'If-Match': '"v1"' });
    expect($('conflict-saved')!.textContent).toBe('From my other tab');
  });
});

describe('deleting your note', () => {
  it('asks to confirm, then removes it at once', async () => {
    const { api } = fakeApi(async () => undefined);
    await mount(api, page([mine, theirs]));
    await click($('note-delete'));
    expect(document.activeElement).toBe($('note-delete-confirm'));
    expect(api.request).not.toHaveBeenCalled();
    await click($('note-delete-confirm'));
    expect(api.request).toHaveBeenCalledWith('DELETE', '/api/notes/n-1', undefined, { 'If-Match': '"v1"' });
    expect(bodies()).toEqual(['Their note']);
    expect(document.activeElement).toBe($('composer-input'));
  });

  it('keeps the note when the confirmation is declined', async () => {
    const { api } = fakeApi();
    await mount(api, page([mine]));
    await click($('note-delete'));
    await click($('note-delete-cancel'));
    expect(bodies()).toEqual(['My note']);
    expect(document.activeElement).toBe($('note-delete'));
    expect(api.request).not.toHaveBeenCalled();
  });

  it('puts a note back in its place when the delete fails', async () => {
    const { api } = fakeApi(async () => {
      throw new ApiError(403, 'forbidden', 'Only the author of a note can change or delete it.');
    });
    const newer = note('n-0', 'Newer', ME.user, 1);
    await mount(api, page([newer, mine, theirs]));
    await click($('note-delete', $$('note')[1]));
    await click($('note-delete-confirm'));
    await settle();
    expect(bodies()).toEqual(['Newer', 'My note', 'Their note']);
    expect($('notice')!.textContent).toContain('Only the author');
  });
});

describe('signing out', () => {
  it('ends the session, says so calmly (not as an error), and offers to sign in again through the host', async () => {
    const { api, emit } = fakeApi(async () => page([theirs]));
    api.logout.mockImplementation(() => emit('expired'));
    api.recover.mockImplementation(async () => {
      await emit('active', { user: { id: 'u-me', name: 'Ada L.' }, context: 'page:42' });
      return true;
    });
    await mount(api, page([mine]));
    await click($('sign-out'));
    expect(api.logout).toHaveBeenCalledTimes(1);
    const message = $('session-expired')!;
    expect(message.textContent).toContain('You signed out');
    expect(message.getAttribute('role')).toBe('status');
    expect(message.classList.contains('info')).toBe(true);
    expect($('session-recover')!.textContent).toBe('Sign in again');
    expect($('sign-out')).toBeNull();
    await click($('session-recover'));
    await settle();
    expect($('session-expired')).toBeNull();
    expect($('sign-out')).not.toBeNull();
    // Signing back in as yourself is no news.
    expect($('session-switched')).toBeNull();
  });

  it('when the host will not sign in again, says to sign in to the site first', async () => {
    const { api, emit } = fakeApi();
    api.logout.mockImplementation(() => emit('expired'));
    await mount(api, page([mine]));
    await click($('sign-out'));
    await click($('session-recover'));
    await settle();
    expect($$('session-expired')).toHaveLength(1);
    expect($('session-expired')!.textContent).toMatch(/did not sign you in again\. Sign in to the site, then try again\./);
    expect($('session-expired')!.getAttribute('role')).toBe('alert');
  });
});

describe('session expiry', () => {
  it('shows a clear expired state, makes the thread read-only, and recovers with one click', async () => {
    const { api, emit } = fakeApi(async () => page([theirs]));
    api.recover.mockImplementation(async () => {
      await emit('active', { user: { id: 'u-me', name: 'Ada L.' }, context: 'page:42' });
      return true;
    });
    await mount(api, page([mine]));
    await emit('expired');
    expect($('session-expired')!.getAttribute('role')).toBe('alert');
    expect($('session-expired')!.textContent).toContain('Your session has ended.');
    expect(($('composer-submit') as HTMLButtonElement).disabled).toBe(true);
    expect($('note-edit')).toBeNull();

    await click($('session-recover'));
    await settle();
    expect(api.recover).toHaveBeenCalledTimes(1);
    expect($('session-expired')).toBeNull();
    expect($('user-name')!.textContent).toBe('Ada L.');
    // the new session reloads the thread
    expect(api.request).toHaveBeenCalledWith('GET', '/api/notes');
    expect(bodies()).toEqual(['Their note']);
  });

  it('when reconnecting fails, replaces the message with advice that can work (never "reload")', async () => {
    const { api, emit } = fakeApi();
    await mount(api, page([mine]));
    await emit('expired');
    await click($('session-recover'));
    await settle();
    expect($$('session-expired')).toHaveLength(1);
    expect($('session-expired')!.textContent).toMatch(/did not sign you in again/);
    expect($('session-expired')!.textContent).toMatch(/Sign in to the site, then try again/);
    expect($('session-expired')!.textContent).not.toMatch(/reload/i);
    expect(($('session-recover') as HTMLButtonElement).disabled).toBe(false);
    await click($('session-recover'));
    expect(api.recover).toHaveBeenCalledTimes(2);
  });

  it('a post refused because the session ended shows one message, keeps the draft, and leaves nothing behind on recovery', async () => {
    // What "Sign out on host" does: the post's 401 leads to a relaunch the host refuses.
    const { api, emit } = fakeApi(async (method) => {
      if (method !== 'POST') return page([theirs]);
      await emit('expired');
      throw new ApiError(401, 'session_expired', 'Your session has expired.');
    });
    api.recover.mockImplementation(async () => {
      await emit('active', ME);
      return true;
    });
    await mount(api, page([theirs]));
    await type($('composer-input'), 'Written while signed out');
    await click($('composer-submit'));
    await settle();
    expect(root.querySelectorAll('[role=alert], [role=status]')).toHaveLength(1);
    expect($('session-expired')).not.toBeNull();
    expect($('notice')).toBeNull();
    expect(($('composer-input') as HTMLTextAreaElement).value).toBe('Written while signed out');
    expect(bodies()).toEqual(['Their note']);

    await click($('session-recover'));
    await settle();
    expect(root.querySelectorAll('[role=alert], [role=status]')).toHaveLength(0);
    expect(($('composer-input') as HTMLTextAreaElement).value).toBe('Written while signed out');
  });
});

describe('a silent re-launch that signs in someone else (issue 19 item 8)', () => {
  const bob: SessionInfo = { user: { id: 'u-bob', name: 'Bob Builder' }, context: 'page:42' };

  it('keeps the draft that was not sent and says who is signed in now, in one message', async () => {
    const { api, emit } = fakeApi(async (method) => {
      if (method !== 'POST') return page([theirs]);
      // The api client re-launched as Bob and dropped the retry (widget/api.ts).
      await emit('active', bob);
      throw new ApiError(401, 'session_changed', 'You are signed in as someone else now.');
    });
    await mount(api, page([mine]));
    await type($('composer-input'), 'Typed by Ada');
    await click($('composer-submit'));
    await settle();
    expect(($('composer-input') as HTMLTextAreaElement).value).toBe('Typed by Ada');
    expect($('user-name')!.textContent).toBe('Bob Builder');
    expect($('session-switched')!.textContent).toContain('You are now signed in as \u2068Bob Builder\u2069.');
    expect($('notice')).toBeNull();
    expect(root.querySelectorAll('[role=alert], [role=status]')).toHaveLength(1);
    expect(bodies()).not.toContain('Typed by Ada');
    await click($('session-switched')!.querySelector('button'));
    expect($('session-switched')).toBeNull();
  });

  it('also tells when the same person comes back in another context', async () => {
    const { api, emit } = fakeApi(async () => page([]));
    await mount(api, page([mine]));
    await emit('active', { ...ME, context: 'page:43' });
    expect($('session-switched')).not.toBeNull();
  });
});

describe('server rendering and hydration', () => {
  it('hydrates the server markup in place, without a request, and it is interactive', async () => {
    const { api } = fakeApi(async () => undefined);
    const props = { api, session: ME, initial: page([mine, theirs]), renderedAt: NOW };
    root.innerHTML = renderToString(<App {...props} />);
    const serverList = $('note-list');
    const serverHtml = root.innerHTML;
    await act(() => hydrate(<App {...props} />, root));
    expect($('note-list')).toBe(serverList);
    expect(api.request).not.toHaveBeenCalled();
    // after hydration only the absolute-time tooltips and the edit controls of the viewer's own notes are added,
    // and the buttons the server rendered disabled (a click before hydration would do nothing) are enabled
    expect(serverHtml).not.toContain('note-edit');
    expect(serverHtml).toContain('data-testid="sign-out" disabled=""');
    expect(($('sign-out') as HTMLButtonElement).disabled).toBe(false);
    expect($('note-edit', $$('note')[0])).not.toBeNull();
    expect($('note-edit', $$('note')[1])).toBeNull();
    expect(root.innerHTML.replace(/ title="[^"]*"/g, '').replace(/<span class="actions">.*?<\/span>/g, '')).toBe(serverHtml.replace('data-testid="sign-out" disabled=""', 'data-testid="sign-out"'));
    await click($('note-delete'));
    await click($('note-delete-confirm'));
    expect(api.request).toHaveBeenCalledWith('DELETE', '/api/notes/n-1', undefined, { 'If-Match': '"v1"' });
  });

  it('renders the same first markup whatever the browser says about itself, then adopts its language and keys', async () => {
    const { api } = fakeApi(async () => undefined);
    const props = { api, session: ME, initial: page([mine, theirs], 'c'), renderedAt: NOW };
    const onServer = renderToString(<App {...props} />);
    pretendBrowser({ language: 'ar-EG', platform: 'MacIntel' });
    // What the browser renders first, before any effect: it must equal the server's markup.
    expect(renderToString(<App {...props} />)).toBe(onServer);
    root.innerHTML = onServer;
    await act(() => hydrate(<App {...props} />, root));
    expect($('note')!.querySelector('time')!.textContent).toBe(new Intl.RelativeTimeFormat('ar-EG', { numeric: 'auto', style: 'short' }).format(-5, 'minute'));
    expect(root.querySelector('#composer-hint')!.textContent).toBe('⌘+Enter to post');
  });

  it('keeps what was typed before the page hydrated, and Post works on it at once', async () => {
    const { api } = fakeApi(async () => ({ note: { ...mine, id: 'n-typed', body: 'Typed early' } }));
    const props = { api, session: ME, initial: page([theirs]), renderedAt: NOW };
    root.innerHTML = renderToString(<App {...props} />);
    // A person types into the server's markup while the script is still loading: no handler hears it.
    ($('composer-input') as HTMLTextAreaElement).value = 'Typed early';
    // As widget/main.tsx does: read it before hydrating.
    await act(() => hydrate(<App {...props} typedBeforeHydration={typedBeforeHydration(root)} />, root));
    expect(($('composer-input') as HTMLTextAreaElement).value).toBe('Typed early');
    expect(($('composer-submit') as HTMLButtonElement).disabled).toBe(false);
    await click($('composer-submit'));
    expect(api.request).toHaveBeenCalledWith('POST', '/api/notes', { body: 'Typed early' });
  });

  it('renders no inline style attributes (the page CSP forbids them)', () => {
    const html = renderToString(<App api={fakeApi().api} session={ME} initial={page([mine, theirs], 'c')} renderedAt={NOW} />);
    expect(html).not.toMatch(/style=/);
  });
});
