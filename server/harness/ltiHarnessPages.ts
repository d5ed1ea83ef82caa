import { escapeHtml, jsonForScriptElement } from '../page/escape.ts';

// The pages of the fake LMS (ltiHarnessApp.ts). Each auto-submitting page is
// what a real platform serves at that step of an LTI 1.3 launch.

export const HARNESS_LMS_USERS = [
  { id: 'alice', name: 'Alice Learner', role: 'Learner' },
  { id: 'bob', name: 'Bob Instructor', role: 'Instructor' },
] as const;

export const HARNESS_LMS_LINKS = [
  { id: 'link-week-1', title: 'Week 1: Reading notes' },
  { id: 'link-week-2', title: 'Week 2: Lab notes' },
] as const;

const STYLE = `:root{color-scheme:light;font:14px/1.45 system-ui,sans-serif}body{margin:0;padding:16px 24px;background:#f4f1ea}
header{display:flex;gap:16px;align-items:center;flex-wrap:wrap;margin-bottom:12px}h1{font-size:18px;margin:0 12px 0 0}
iframe#tool{width:100%;max-width:800px;height:520px;border:1px solid #bbb;background:#fff;display:block}`;

export interface CoursePageInput {
  nonce: string;
  user: string;
  link: string;
  storage: boolean;
  widgetUrl: string;
}

/** The course page: the tool's iframe, and (platform storage on) the frame that keeps tools' data. */
export function coursePage({ nonce, user, link, storage }: CoursePageInput): string {
  const options = (items: ReadonlyArray<{ id: string; name?: string; title?: string }>, selected: string) =>
    items.map((i) => `<option value="${i.id}"${i.id === selected ? ' selected' : ''}>${escapeHtml(i.name ?? i.title ?? i.id)}</option>`).join('');
  const start = `/start?${new URLSearchParams({ user, link, storage: storage ? 'on' : 'off' })}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake LMS: CS 101</title><style nonce="${nonce}">${STYLE}</style></head>
<body><header><h1>CS 101 (fake LMS, LTI 1.3)</h1>
<form method="get" action="/"><label>User <select id="user" name="user">${options(HARNESS_LMS_USERS, user)}</select></label>
<label>Activity <select id="link" name="link">${options(HARNESS_LMS_LINKS, link)}</select></label>
<label><input type="checkbox" id="storage" name="storage" value="on"${storage ? ' checked' : ''}> Platform storage (lti_storage_target)</label>
<input type="hidden" name="go" value="1"><button id="launch">Launch</button></form></header>
${storage ? '<iframe name="post_message_forwarding" id="storage-frame" src="/storage-frame" hidden title="LTI platform storage"></iframe>' : ''}
<iframe id="tool" name="tool" title="Notes (LTI tool)" src="${escapeHtml(start)}"></iframe></body></html>`;
}

/** A page that posts `fields` to `action` at once: how a platform hands the browser on. */
export function autoPostPage(nonce: string, action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Launching…</title></head>
<body><form method="post" action="${escapeHtml(action)}">${inputs}<noscript><button>Continue</button></noscript></form>
<script nonce="${nonce}">document.forms[0].submit();</script></body></html>`;
}

// The platform side of LTI client-side storage (lti.capabilities, lti.put_data,
// lti.get_data): data kept per tool origin, in this frame's memory, so it lives
// as long as the course page and never leaves this browser.
const STORAGE_SCRIPT = `(function(){
var store={};
window.addEventListener('message',function(e){
var m=e.data;if(!m||typeof m!=='object'||typeof m.subject!=='string'||!e.source)return;
var reply=function(r){r.subject=m.subject+'.response';r.message_id=m.message_id;e.source.postMessage(r,e.origin);};
var mine=store[e.origin]||(store[e.origin]={});
if(m.subject==='lti.capabilities'){reply({supported_messages:[{subject:'lti.put_data'},{subject:'lti.get_data'}]});return;}
if(typeof m.key!=='string'){if(m.subject==='lti.put_data'||m.subject==='lti.get_data')reply({error:{code:'bad_request',message:'key is required'}});return;}
if(m.subject==='lti.put_data'){mine[m.key]=String(m.value);reply({key:m.key,value:mine[m.key]});return;}
if(m.subject==='lti.get_data'){reply(Object.prototype.hasOwnProperty.call(mine,m.key)?{key:m.key,value:mine[m.key]}:{key:m.key,error:{code:'not_found',message:'no such key'}});}
});
})();`;

export function storageFramePage(nonce: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Platform storage</title></head><body>
<script type="application/json" id="about">${jsonForScriptElement({ role: 'lti platform storage' })}</script>
<script nonce="${nonce}">${STORAGE_SCRIPT}</script></body></html>`;
}
