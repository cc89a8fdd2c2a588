// Portico's one script. Pages work without it; with it, a signed-in page warns before idle
// logoff and then leaves nothing behind, and the staff pages update as messages arrive.
// It loads nothing from elsewhere and keeps nothing in storage.
(() => {
  'use strict';
  const body = document.body;
  const idle = Number(body.dataset.idleSeconds || 0);
  if (idle > 0) idleLogoff(idle, body.dataset.signIn || '/', body.dataset.idleText, body.dataset.stayText);
  if (body.dataset.live) liveUpdates(body.dataset.live);
  for (const box of document.querySelectorAll('[data-passkey-origin]')) passkeys(box);

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text) e.textContent = text;
    return e;
  }

  // Idle logoff: the server ends a session after `seconds` without a request. Shortly before,
  // a warning counts down with a button to stay; at the end the page is emptied, the server
  // session ended, and the browser sent to the sign-in page (history keeps no readable page:
  // every page is `no-store`). Activity in another tab of the same site counts.
  function idleLogoff(seconds, signIn, warningText, stayText) {
    const warnFor = Math.min(120, Math.floor(seconds / 3));
    const tabs = 'BroadcastChannel' in window ? new BroadcastChannel('portico-activity') : null;
    let deadline = 0;
    let dialog = null;
    let count = null;
    const reset = (tell) => {
      deadline = Date.now() + seconds * 1000;
      if (dialog) { dialog.remove(); dialog = null; }
      if (tell && tabs) tabs.postMessage('active');
    };
    if (tabs) tabs.onmessage = () => reset(false);
    reset(true);
    const timer = setInterval(() => {
      const left = Math.ceil((deadline - Date.now()) / 1000);
      if (left <= 0) expire();
      else if (left <= warnFor) warn(left);
    }, 1000);

    function warn(left) {
      if (!dialog) {
        dialog = el('div', { class: 'idle-warning', role: 'alertdialog', 'aria-labelledby': 'idle-text' });
        const text = el('p', { id: 'idle-text' }, `${warningText || 'For your privacy you will be signed out in'} `);
        count = el('strong');
        text.append(count, '.');
        const stay = el('button', { type: 'button' }, stayText || 'Stay signed in');
        stay.addEventListener('click', async () => {
          const r = await fetch('/session/keep-alive', { method: 'POST', credentials: 'same-origin' });
          if (r.ok) reset(true); else expire();
        });
        dialog.append(text, stay);
        body.append(dialog);
        stay.focus();
      }
      const m = Math.floor(left / 60);
      count.textContent = m > 0 ? `${m} min ${left % 60} s` : `${left} s`;
    }

    function expire() {
      clearInterval(timer);
      body.replaceChildren();
      try { sessionStorage.clear(); } catch (_) { /* storage may be off */ }
      const done = () => location.replace(`${signIn}?expired=1`);
      fetch('/sign-out', { method: 'POST', credentials: 'same-origin', keepalive: true }).then(done, done);
    }
  }

  // Live updates (staff pages): the server names a conversation that changed; the queue or the
  // open conversation is fetched again in the background (which does not count as activity)
  // and swapped in, and a screen reader hears a short notice.
  function liveUpdates(url) {
    const status = document.getElementById('live-status');
    const source = new EventSource(url);
    const refresh = async (thread) => {
      const open = document.querySelector('[data-thread]');
      if (open && thread && open.dataset.thread !== thread) return;
      const selector = open ? 'ol.messages' : '#queue';
      const current = document.querySelector(selector);
      if (!current) return;
      const r = await fetch(location.href, { credentials: 'same-origin', headers: { 'X-Portico-Background': '1' } });
      if (!r.ok) return;
      const fresh = new DOMParser().parseFromString(await r.text(), 'text/html').querySelector(selector);
      if (!fresh) return;
      current.replaceWith(fresh);
      if (status) status.textContent = open ? 'New activity in this conversation.' : 'The queue was updated.';
    };
    source.addEventListener('thread', (e) => refresh(e.data));
    source.addEventListener('refresh', () => refresh(null));
    source.onerror = () => { if (source.readyState === EventSource.CLOSED) source.close(); };
  }

  // Passkeys: the server sends WebAuthn options with binary fields in base64url; the browser
  // wants ArrayBuffers, and its answer goes back as base64url again. Buttons stay hidden where
  // passkeys cannot work (no WebAuthn, or another address than the one registered).
  function passkeys(box) {
    const show = (sel) => { const e = box.querySelector(sel); if (e) e.hidden = false; };
    if (!window.PublicKeyCredential) { show('[data-passkey-unsupported]'); return; }
    if (location.origin !== box.dataset.passkeyOrigin) { show('[data-passkey-elsewhere]'); return; }
    const fail = () => show('[data-passkey-error]');
    const add = box.querySelector('[data-passkey-add]');
    if (add) {
      add.hidden = false;
      add.addEventListener('click', () => ceremony('/api/v1/me/passkeys/start', '/api/v1/me/passkeys', 'create')
        .then(() => location.assign(add.dataset.passkeyAdd), fail));
    }
    const signIn = box.querySelector('[data-passkey-sign-in]');
    if (signIn) {
      show('[data-passkey-sign-in-intro]');
      signIn.hidden = false;
      signIn.addEventListener('click', () => ceremony('/api/v1/auth/passkey/start', '/api/v1/auth/passkey/finish', 'get')
        .then((done) => location.assign(done.home), fail));
    }
  }

  async function ceremony(startUrl, finishUrl, verb) {
    const post = async (url, body) => {
      const r = await fetch(url, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}),
      });
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    };
    const start = await post(startUrl);
    const pk = start.options.publicKey;
    pk.challenge = bytes(pk.challenge);
    if (pk.user) pk.user.id = bytes(pk.user.id);
    for (const c of pk.excludeCredentials || []) c.id = bytes(c.id);
    for (const c of pk.allowCredentials || []) c.id = bytes(c.id);
    if (verb === 'create') {
      // Discoverable, so the passkey alone can sign in later without typing an email.
      pk.authenticatorSelection = Object.assign({}, pk.authenticatorSelection,
        { residentKey: 'required', requireResidentKey: true });
    }
    const cred = await navigator.credentials[verb]({ publicKey: pk });
    const r = cred.response;
    const response = verb === 'create'
      ? { attestationObject: b64(r.attestationObject), clientDataJSON: b64(r.clientDataJSON) }
      : {
          authenticatorData: b64(r.authenticatorData), clientDataJSON: b64(r.clientDataJSON),
          signature: b64(r.signature), userHandle: r.userHandle ? b64(r.userHandle) : null,
        };
    const credential = {
      id: cred.id, rawId: b64(cred.rawId), type: cred.type, response,
      extensions: cred.getClientExtensionResults(),
    };
    return post(finishUrl, { ceremony: start.ceremony, credential });
  }

  function bytes(text) {
    const b = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(b, (c) => c.charCodeAt(0)).buffer;
  }

  function b64(buffer) {
    let s = '';
    for (const c of new Uint8Array(buffer)) s += String.fromCharCode(c);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
})();
