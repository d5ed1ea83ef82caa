import type { ComponentChild } from 'preact';

// Every word the widget shows, in English. A translation is another object of
// type Strings; phrases with a name or number in them are functions, so a
// language can put it where its grammar wants it. Messages the server sends
// with an error (`error.message`) are shown as they come.
export const strings = {
  notLaunched: 'This widget must be opened by a host platform launch.',
  signedInAs: (name: ComponentChild): ComponentChild[] => ['Signed in as ', name],
  anonymous: 'Anonymous',
  signOut: 'Sign out',

  sessionEnded: 'Your session has ended.',
  // LTI: the LMS frames the widget with no SDK that could sign in again; only a new launch from the course can.
  reopenFromCourse: 'Your session has ended. To go on, reload this page of your course or open the activity again from the course.',
  reconnect: 'Reconnect',
  reconnecting: 'Reconnecting…',
  // After Reconnect or Sign in again failed. Reloading cannot help while the host refuses: only signing in to the host can.
  recoverFailed: 'This site did not sign you in again. Sign in to the site, then try again.',
  signedOut: 'You signed out of the notes.',
  signInAgain: 'Sign in again',
  // U+2068..U+2069 isolate the name, so a right-to-left name cannot reorder the sentence around it.
  switched: (name: string) => `You are now signed in as \u2068${name}\u2069. Text you had not posted was kept, not sent.`,

  thread: 'Notes',
  newNote: 'New note',
  placeholder: 'Add a note…',
  post: 'Post',
  submitHint: (mac: boolean) => `${mac ? '⌘' : 'Ctrl'}+Enter to post`,
  charsLeft: (n: number) => (n === 1 ? '1 character left' : `${n} characters left`),
  charsOver: (n: number) => (n === 1 ? '1 character too many' : `${n} characters too many`),

  loading: 'Loading notes…',
  empty: 'No notes yet.',
  loadFailed: (why: string) => `Could not load notes: ${why}`,
  tryAgain: 'Try again',
  dismiss: 'Dismiss',
  showOlder: (n: number) => (n === 1 ? 'Show 1 older note' : `Show ${n} older notes`),
  loadOlder: 'Show older notes',
  olderFailed: (why: string) => `Could not load older notes: ${why}`,

  edited: 'edited',
  edit: 'Edit',
  editNote: 'Edit note',
  save: 'Save',
  cancel: 'Cancel',
  delete: 'Delete',
  confirmDelete: 'Delete this note?',
  keep: 'Keep',
  notPosted: (why: string) => `Not posted: ${why}`,
  notSaved: (why: string) => `Edit not saved: ${why}`,
  notDeleted: (why: string) => `Not deleted: ${why}`,
  alreadyDeleted: 'That note was already deleted.',
  // 409 conflict: the note changed (in another tab or device) after this copy was loaded.
  conflict: 'This note was changed elsewhere while you were editing it.',
  savedVersion: 'Saved version',
  yourVersion: 'Your version',
  keepMine: 'Keep mine',
  useSaved: 'Use saved version',
  changedNotDeleted: 'Not deleted: this note was changed elsewhere. Here is the new version.',

  somethingWrong: 'Something went wrong.',
  unreachable: 'The server could not be reached. Check your connection and try again.',
  serverAnswered: (status: number) => `The server answered ${status}.`,
  sessionExpired: 'Your session has expired.',
  sessionChanged: 'You are signed in as someone else now.',
};

export type Strings = typeof strings;
