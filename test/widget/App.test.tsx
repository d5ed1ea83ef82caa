// @vitest-environment happy-dom
import { hydrate, render } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient, type SessionInfo, type SessionListener } from '../../widget/api.ts';
import { App } from '../../widget/App.tsx';
import type { Note, NotesPage } from '../../contract/notes.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const ME: SessionInfo = { user: { id: 'u-me', name: 'Ada' }, context: 'page:42' };
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();

function note(id: string, body: string, author: SessionInfo['user'], minutes: number): Note {
  return { id, body, author, createdAt: minutesAgo(minutes), updatedAt: minutesAgo(minutes) };
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

async function mount(api: ApiClient, initial: NotesPage | null = null) {
  await act(() => render(<App api={api} session={ME} initial={initial} renderedAt={NOW} />, root));
}
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
});

describe('the thread', () => {
  it('shows each note with its author and relative time; edit and delete only on your own', async () => {
    await mount(fakeApi().api, page([mine, theirs]));
    expect($('user-name')!.textContent).toBe('Ada');
    const notes = $$('note');
    expect(notes.map((n) => $('note-author', n)!.textContent)).toEqual(['Ada', 'Bob']);
    expect(notes.map((n) => n.querySelector('time')!.textContent)).toEqual(['5 min ago', '2 h ago']);
    expect(notes[0]!.querySelector('time')!.getAttribute('datetime')).toBe(mine.createdAt);
    expect($('note-edit', notes[0])).not.toBeNull();
    expect($('note-delete', notes[0])).not.toBeNull();
    expect($('note-edit', notes[1])).toBeNull();
    expect($('note-delete', notes[1])).toBeNull();
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
    expect(api.request).toHaveBeenCalledWith('PATCH', '/api/notes/n-1', { body: 'My better note' });
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

describe('deleting your note', () => {
  it('asks to confirm, then removes it at once', async () => {
    const { api } = fakeApi(async () => undefined);
    await mount(api, page([mine, theirs]));
    await click($('note-delete'));
    expect(document.activeElement).toBe($('note-delete-confirm'));
    expect(api.request).not.toHaveBeenCalled();
    await click($('note-delete-confirm'));
    expect(api.request).toHaveBeenCalledWith('DELETE', '/api/notes/n-1');
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
  it('ends the session and offers to sign in again through the host', async () => {
    const { api, emit } = fakeApi(async () => page([theirs]));
    api.logout.mockImplementation(() => emit('expired'));
    api.recover.mockImplementation(async () => {
      await emit('active', { user: { id: 'u-me', name: 'Ada L.' }, context: 'page:42' });
      return true;
    });
    await mount(api, page([mine]));
    await click($('sign-out'));
    expect(api.logout).toHaveBeenCalledTimes(1);
    expect($('session-expired')!.textContent).toContain('You signed out');
    expect($('session-recover')!.textContent).toBe('Sign in again');
    expect($('sign-out')).toBeNull();
    await click($('session-recover'));
    await settle();
    expect($('session-expired')).toBeNull();
    expect($('sign-out')).not.toBeNull();
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

  it('says so when recovery fails, and lets the user try again', async () => {
    const { api, emit } = fakeApi();
    await mount(api, page([mine]));
    await emit('expired');
    await click($('session-recover'));
    await settle();
    expect($('session-expired')!.textContent).toMatch(/failed/i);
    expect(($('session-recover') as HTMLButtonElement).disabled).toBe(false);
    await click($('session-recover'));
    expect(api.recover).toHaveBeenCalledTimes(2);
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
    // after hydration only the absolute-time tooltips are added
    expect(root.innerHTML.replace(/ title="[^"]*"/g, '')).toBe(serverHtml);
    await click($('note-delete'));
    await click($('note-delete-confirm'));
    expect(api.request).toHaveBeenCalledWith('DELETE', '/api/notes/n-1');
  });

  it('renders no inline style attributes (the page CSP forbids them)', () => {
    const html = renderToString(<App api={fakeApi().api} session={ME} initial={page([mine, theirs], 'c')} renderedAt={NOW} />);
    expect(html).not.toMatch(/style=/);
  });
});
