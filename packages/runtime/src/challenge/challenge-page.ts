/**
 * The challenge page: a proof of work a browser solves without a person. The script finds a
 * nonce such that SHA-256(seed || nonce) has `difficulty` leading zero bits, using
 * crypto.subtle (a secure context: https, or loopback http as in tests), then posts the form.
 */
import { escapeHtml, page } from '../server/html.js';

export const VERIFY_PATH = '/challenge/verify';

// Plain ES2017 so any browser runs it; the seed and difficulty come from data attributes, so
// nothing the request controls is ever written into the script itself.
const SOLVER = `(async () => {
  const form = document.getElementById('esper-challenge');
  const seed = form.dataset.seed;
  const bits = Number(form.dataset.difficulty);
  const enc = new TextEncoder();
  const zeros = (h) => {
    let n = 0;
    for (const b of h) { if (b === 0) { n += 8; continue; } return n + Math.clz32(b) - 24; }
    return n;
  };
  for (let i = 0; ; i++) {
    const h = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(seed + i)));
    if (zeros(h) >= bits) { form.elements.nonce.value = String(i); break; }
  }
  document.getElementById('esper-status').textContent = 'Verified, continuing…';
  form.submit();
})();`;

export interface ChallengePageInput {
  decisionId: string;
  seed: string;
  difficulty: number;
  returnUrl: string;
  scriptNonce: string;
}

export function challengePage(input: ChallengePageInput): string {
  const body = `<p id="esper-status">Checking your browser… this takes a moment.</p>
<form id="esper-challenge" method="post" action="${VERIFY_PATH}" data-seed="${escapeHtml(input.seed)}" data-difficulty="${escapeHtml(input.difficulty)}">
<input type="hidden" name="d" value="${escapeHtml(input.decisionId)}">
<input type="hidden" name="return_url" value="${escapeHtml(input.returnUrl)}">
<input type="hidden" name="nonce" value="">
<noscript><p>Please enable JavaScript to continue.</p></noscript>
</form>`;
  return page('One moment, please', body, { nonce: input.scriptNonce, code: SOLVER });
}

export function messagePage(title: string, message: string): string {
  return page(title, `<p>${escapeHtml(message)}</p>`);
}
