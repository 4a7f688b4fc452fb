/**
 * The hosted pages' passkey script, served as `/authkit/passkey.js` (the pages' CSP allows
 * `script-src 'self'` and nothing inline). A `<form data-passkey="get|create" data-options=…>`
 * carries the WebAuthn options JSON the server issued; on submit the script calls
 * navigator.credentials.get / create, writes the credential as WebAuthn JSON (base64url) into the
 * form's `credential` field and submits it. Without JavaScript the form posts an empty credential
 * and the server answers `passkey_response_invalid` with a message that says so.
 */
export const PASSKEY_SCRIPT = `(() => {
  'use strict';
  const b64 = (buf) => {
    const bytes = new Uint8Array(buf);
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  };
  const bytes = (s) => {
    const t = s.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(t + '==='.slice((t.length + 3) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  };
  const ids = (list) => (list || []).map((c) => ({ ...c, id: bytes(c.id) }));
  const toJson = (cred) => {
    const r = cred.response;
    const response = { clientDataJSON: b64(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = b64(r.attestationObject);
      response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
    } else {
      response.authenticatorData = b64(r.authenticatorData);
      response.signature = b64(r.signature);
      if (r.userHandle) response.userHandle = b64(r.userHandle);
    }
    return {
      id: cred.id,
      rawId: b64(cred.rawId),
      type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults(),
      response,
    };
  };
  for (const form of document.querySelectorAll('form[data-passkey]')) {
    const status = form.querySelector('[data-passkey-status]');
    if (!window.PublicKeyCredential) {
      if (status) status.textContent = 'This browser cannot use passkeys.';
      continue;
    }
    form.addEventListener('submit', async (ev) => {
      if (form.dataset.sent === '1') return;
      ev.preventDefault();
      try {
        const o = JSON.parse(form.dataset.options);
        let cred;
        if (form.dataset.passkey === 'create') {
          cred = await navigator.credentials.create({
            publicKey: { ...o, challenge: bytes(o.challenge), user: { ...o.user, id: bytes(o.user.id) }, excludeCredentials: ids(o.excludeCredentials) },
          });
        } else {
          cred = await navigator.credentials.get({
            publicKey: { ...o, challenge: bytes(o.challenge), allowCredentials: ids(o.allowCredentials) },
          });
        }
        form.querySelector('input[name=credential]').value = JSON.stringify(toJson(cred));
        form.dataset.sent = '1';
        form.submit();
      } catch (err) {
        if (status) status.textContent = 'The passkey was not used (' + (err && err.name ? err.name : 'error') + '). Try again, or continue another way.';
      }
    });
  }
})();
`;
