import crypto from 'node:crypto';
import { escapeHtml, jsonForScriptElement } from './escape.ts';

// The two tiny pages of an LTI launch with platform storage (1EdTech LTI
// Client Side postMessages: lti.put_data / lti.get_data). They talk only to
// the platform's frame, addressed to the platform's origin, and read answers
// only from that frame at that origin.
//   put: the login leaves the browser's half of the state in the platform's
//        storage, then goes on to the platform's authorization endpoint.
//   get: the launch reads it back and posts it with the id_token to
//        /lti/launch/finish, which opens the session.

export type LtiStoragePage =
  | { mode: 'put'; target: string; origin: string; key: string; value: string; next: string; frameAncestors: string[] }
  | { mode: 'get'; target: string; origin: string; key: string; idToken: string; state: string; finishPath: string; frameAncestors: string[] };

// Plain ES5-level script: it runs before anything else of ours could load.
const SCRIPT = `(function(){
var d=JSON.parse(document.getElementById('lti-storage').textContent);
var status=document.getElementById('status');
function fail(t){status.textContent=t;status.setAttribute('role','alert');}
// In the LMS's iframe the platform page is the parent; in a window of its own, the opener.
var host=window.parent!==window?window.parent:window.opener;
var frame=null;
try{frame=!host?null:d.target==='_parent'?host:host.frames[d.target];}catch(e){}
if(!frame){fail('Open this tool from your course: the LMS page that holds its launch state is not around it.');return;}
var id='notes-'+Date.now().toString(36)+Math.random().toString(36).slice(2);
var answered=false;
window.addEventListener('message',function(e){
if(e.origin!==d.origin||e.source!==frame)return;
var m=e.data;
if(answered||!m||typeof m!=='object'||m.message_id!==id||m.subject!==(d.mode==='put'?'lti.put_data.response':'lti.get_data.response'))return;
answered=true;
if(m.error){fail('The LMS refused to keep the launch state ('+String(m.error.code||'error').slice(0,64)+'). Open the tool again from your course.');return;}
if(d.mode==='put'){window.location.replace(d.next);return;}
if(typeof m.value!=='string'||m.value===''){fail('This browser did not start this launch. Open the tool again from your course.');return;}
var f=document.getElementById('finish');f.elements.browser_state.value=m.value;f.submit();
});
var msg={subject:d.mode==='put'?'lti.put_data':'lti.get_data',message_id:id,key:d.key};
if(d.mode==='put')msg.value=d.value;
// The platform's storage frame may still be loading: ask again until it answers (put and get are idempotent).
var tries=0;
(function ask(){if(answered)return;if(tries++===20){fail('The LMS did not answer. Open the tool again from your course.');return;}frame.postMessage(msg,d.origin);setTimeout(ask,500);})();
})();`;

export function renderLtiStoragePage(page: LtiStoragePage): { html: string; csp: string } {
  const nonce = crypto.randomBytes(16).toString('base64');
  const data = page.mode === 'put' ? { mode: 'put', target: page.target, origin: page.origin, key: page.key, value: page.value, next: page.next } : { mode: 'get', target: page.target, origin: page.origin, key: page.key };
  const form =
    page.mode === 'get'
      ? `<form id="finish" method="post" action="${escapeHtml(page.finishPath)}"><input type="hidden" name="id_token" value="${escapeHtml(page.idToken)}"><input type="hidden" name="state" value="${escapeHtml(page.state)}"><input type="hidden" name="browser_state" value=""></form>`
      : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Opening notes</title>
<style nonce="${nonce}">:root{color-scheme:light dark;font:14px/1.45 system-ui,sans-serif}body{margin:0;padding:12px 16px}</style></head>
<body><p id="status">Opening the notes…</p>${form}
<script type="application/json" id="lti-storage">${jsonForScriptElement(data)}</script>
<script nonce="${nonce}">${SCRIPT}</script></body></html>`;
  const ancestors = page.frameAncestors.length > 0 ? page.frameAncestors.join(' ') : "'none'";
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'self'; frame-ancestors ${ancestors}`;
  return { html, csp };
}
