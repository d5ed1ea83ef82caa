// The harness page: a pretend host platform. Its script uses the public host
// SDK (/sdk/v1/embed.js) and nothing else of the widget.
export function harnessPage(nonce: string, configJson: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Harness: a fake host platform</title>
<style nonce="${nonce}">
body{font:14px/1.4 system-ui,sans-serif;margin:0;display:grid;grid-template-columns:300px 1fr;min-height:100vh;background:#fbfaf7;color:#222}
aside{background:#f0ebe0;padding:16px;border-right:1px solid #ddd}
main{padding:16px;display:grid;gap:12px;align-content:start}
h1{font-size:18px;margin:0 0 4px} p.sub{margin:0 0 12px;color:#555}
label{display:block;margin:10px 0 2px;font-weight:600}
input,select{width:100%;box-sizing:border-box;padding:5px}
.row{display:flex;flex-wrap:wrap;gap:6px;margin-top:12px}
button{padding:6px 10px}
label.check{display:flex;gap:6px;align-items:center} label.check input{width:auto}
#widget,#widget2{border:2px dashed #c9bfa8;border-radius:8px;padding:4px;max-width:800px;background:#fff}
#log{font:12px ui-monospace,monospace;background:#222;color:#ddd;padding:8px;border-radius:6px;max-height:240px;overflow:auto;margin:0;max-width:800px;white-space:pre-wrap}
</style></head>
<body>
<aside>
<h1>Harness host</h1>
<p class="sub">A fake host platform on its own site. It signs launch tokens on its backend and embeds the widget with the host SDK.</p>
<form id="controls">
<label for="user">User</label>
<select id="user">
<option value="alice|Alice Example">Alice Example (alice)</option>
<option value="bob|Bob Builder">Bob Builder (bob)</option>
<option value="mallory|&lt;img src=x onerror=alert(1)&gt;&quot;&lt;/script&gt;">Mallory, hostile name (mallory)</option>
</select>
<label for="ctx">Context</label>
<select id="ctx"><option value="page:42">Page 42</option><option value="page:43">Page 43</option><option value="ticket:7">Ticket 7</option><option value="&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&lt;/script&gt;">hostile context</option></select>
<label for="locale">Language (claim <code>locale</code>)</label>
<select id="locale"><option value="">browser's own</option><option value="en-US">English (US)</option><option value="de-DE">Deutsch</option><option value="he-IL">עברית</option><option value="ar-EG">العربية</option><option value="ja-JP">日本語</option></select>
<label for="theme">Theme</label>
<select id="theme"><option>auto</option><option>light</option><option>dark</option></select>
<label for="width">Frame width</label>
<select id="width"><option value="800">800 px</option><option value="320">320 px</option></select>
<label class="check"><input type="checkbox" id="second"> Second widget (same user and context: live updates)</label>
<div class="row"><button type="submit" id="launch">Launch</button></div>
</form>
<div class="row">
<button type="button" id="expire">Expire session now</button>
<button type="button" id="sign-out">Sign out on host</button>
<button type="button" id="sign-in">Sign back in</button>
</div>
</aside>
<main>
<div id="widget"></div>
<div id="widget2" hidden></div>
<pre id="log" aria-live="polite"></pre>
</main>
<script type="application/json" id="harness-config">${configJson}</script>
<script type="module" nonce="${nonce}">
const { widgetUrl } = JSON.parse(document.getElementById('harness-config').textContent);
const { mount } = await import(widgetUrl + '/sdk/v1/embed.js');
const $ = (id) => document.getElementById(id);
const log = (line) => { $('log').textContent += new Date().toISOString().slice(11, 19) + ' ' + line + '\\n'; $('log').scrollTop = 1e9; };
const current = () => { const [sub, name] = $('user').value.split('|'); return { sub, name }; };
const post = async (path, body) => {
  const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const data = await res.json();
  if (!res.ok) throw new Error(data.error?.message ?? res.statusText);
  return data;
};
let widget = null;
let second = null;
// The host user the widget's session belongs to: the last one a token was signed for.
// The user picker is "who is signed in on the host now"; changing it without Launch
// is what a host sees when someone switches accounts in another tab.
let launchedAs = null;
function launch() {
  widget?.unmount();
  second?.unmount();
  second = null;
  widget = mountIn($('widget'), '');
  // A second widget of the same thread on the page: each shows the other's notes live.
  $('widget2').hidden = !$('second').checked;
  if ($('second').checked) second = mountIn($('widget2'), '2: ');
  window.harnessWidget = widget;
  window.harnessWidget2 = second;
}
function mountIn(element, tag) {
  element.style.width = $('width').value + 'px';
  const mounted = mount(element, {
    ctx: $('ctx').value,
    theme: $('theme').value,
    getLaunchToken: async ({ ctx }) => {
      const { sub, name } = current();
      log('getLaunchToken() -> asking the host backend to sign for ' + sub);
      // The context's name as the host shows it (claim ctx_label) and the user's language (claim locale).
      const { jwt } = await post('/launch-token', { sub, name, ctx, ctxLabel: [...$('ctx').options].find((o) => o.value === ctx)?.textContent, locale: $('locale').value });
      launchedAs = sub;
      return jwt;
    },
  });
  for (const event of ['ready', 'resize', 'session-expired', 'error']) mounted.on(event, (detail) => log(tag + 'event ' + event + ' ' + JSON.stringify(detail)));
  return mounted;
}
const forLaunched = (action) => async () => {
  if (!launchedAs) return log('nothing launched yet');
  try {
    await action(launchedAs);
  } catch (err) {
    log('failed: ' + err.message);
  }
};
$('controls').addEventListener('submit', (e) => { e.preventDefault(); launch(); });
$('expire').addEventListener('click', forLaunched(async (sub) => log('expired ' + (await post('/expire-session', { sub })).revoked + ' session(s) of ' + sub + '; the widget re-launches silently on its next call')));
$('sign-out').addEventListener('click', forLaunched(async (sub) => log(sub + ' signed out on host; revoked ' + (await post('/sign-out', { sub })).revoked + ' session(s)')));
$('sign-in').addEventListener('click', forLaunched(async (sub) => { await post('/sign-in', { sub }); log(sub + ' signed back in on host'); }));
launch();
</script></body></html>`;
}
