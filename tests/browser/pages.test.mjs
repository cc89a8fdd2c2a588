// Portico's pages in a real browser: Debian's Chromium, headless, driven by playwright-core.
// A demo clinic is started from the binary on a free port with its own temporary directories.
// Every page visited is checked with axe-core (no serious or critical WCAG 2.1 A/AA violation)
// and for its weight.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BIN = process.env.PORTICO_BIN ?? path.resolve(import.meta.dirname, '../../target/debug/portico');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PASSWORD = 'demo-password-2026';
const PATIENT = 'alex.demo@demo.portico.test';
const NURSE = 'nurse.okafor@demo.portico.test';
const MAX_PAGE_BYTES = 150 * 1024;

let portico, base, browser, dir;
const audited = new Set();

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'portico-browser-'));
  portico = spawn(BIN, ['serve', '--demo', '--listen', '127.0.0.1:0', '--data-dir', `${dir}/data`,
    '--key-file', `${dir}/portico.key`, '--audit-dir', `${dir}/audit`], { stdio: ['ignore', 'pipe', 'ignore'] });
  base = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Portico did not start: ${out}`)), 60_000);
    portico.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/running at (http:\/\/\S+)/);
      if (m && out.includes('Press Ctrl-C')) { clearTimeout(timer); resolve(m[1]); }
    });
    portico.on('exit', (code) => { clearTimeout(timer); reject(new Error(`Portico exited (${code}): ${out}`)); });
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  portico?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** axe-core on the page as it is now (once per path), and the page's weight. */
async function check(page) {
  const lang = await page.evaluate(() => document.documentElement.lang);
  const key = `${lang}:${new URL(page.url()).pathname.replace(/[0-9a-f-]{36}/g, '{id}')}`;
  if (audited.has(key)) return;
  audited.add(key);
  await page.evaluate(AXE);
  const bad = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(bad, [], `accessibility of ${key}`);
  const bytes = await page.evaluate(() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
    .reduce((sum, e) => sum + (e.encodedBodySize || 0), 0));
  assert.ok(bytes <= MAX_PAGE_BYTES, `${key} weighs ${bytes} bytes`);
  // Nothing is fetched from another origin.
  const foreign = await page.evaluate(() => performance.getEntriesByType('resource')
    .map((e) => e.name).filter((u) => !u.startsWith(location.origin)));
  assert.deepEqual(foreign, [], `${key} loads from other origins`);
}

async function signIn(page, side, email, at = base) {
  await page.goto(`${at}/${side}/sign-in`);
  await check(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // Each role lands on its own work: the queue, the social inbox, the privacy pages...
  await page.waitForURL((u) => u.href.startsWith(`${at}/${side}`) && !u.pathname.endsWith('/sign-in'));
  await check(page);
}

test('a patient writes to the care team, a nurse replies, the patient reads the reply', async () => {
  const p = await (await browser.newContext()).newPage();
  await p.goto(base);
  await check(p);
  await p.goto(`${base}/portal/enroll`);
  await check(p);
  await p.goto(`${base}/appointments/request`);
  await check(p);
  await p.goto(`${base}/portal`);
  assert.match(p.url(), /\/portal\/sign-in$/, 'signed out, the portal asks to sign in');
  await signIn(p, 'portal', PATIENT);

  await p.getByRole('link', { name: 'Write to your care team' }).click();
  await check(p);
  await p.getByLabel('To').selectOption({ label: 'Family Medicine (demo)' });
  await p.getByLabel('About').selectOption('clinical');
  const subject = `Knee pain ${Date.now()}`;
  await p.getByLabel('Subject').fill(subject);
  const text = '<script>window.pwned = 1</script> My knee hurts when I climb stairs.';
  await p.getByLabel('Message', { exact: true }).fill(text);
  await p.getByRole('button', { name: 'Send' }).click();
  await p.waitForURL(/\/portal\/threads\//);
  await check(p);
  assert.equal(await p.locator('.message .body').last().textContent(), text, 'the text is shown as typed');
  assert.equal(await p.evaluate(() => window.pwned), undefined, 'and never run');

  const s = await (await browser.newContext()).newPage();
  await signIn(s, 'staff', NURSE);
  await s.getByRole('link', { name: subject }).click();
  await s.waitForURL(/\/staff\/threads\//);
  await check(s);
  assert.match(await s.locator('.banner').textContent(), /Alex Demo \(FAKE\).*1984-05-17.*DEMO-0001/s);
  await s.getByLabel('Reply or note').fill('Only staff: check the last X-ray.');
  await s.getByLabel(/Internal note/).check();
  await s.getByRole('button', { name: 'Send' }).click();
  await s.waitForURL(/#latest$/);
  await s.getByLabel('Reply or note').fill('Please rest and put ice on it. We will call you.');
  await s.getByRole('button', { name: 'Send' }).click();
  await s.waitForURL(/#latest$/);
  assert.equal(await s.locator('.message.internal').count(), 1);

  await p.reload();
  await p.getByText('Please rest and put ice on it.').waitFor();
  assert.equal(await p.getByText('check the last X-ray').count(), 0, 'an internal note never reaches the patient');

  for (const link of ['Notifications', 'Security', 'Who accessed my record']) {
    await p.getByRole('link', { name: link }).click();
    await p.waitForLoadState();
    await check(p);
  }
  assert.match(await p.locator('main').textContent(), /Nurse Demo Okafor \(FAKE\)/, 'the nurse who replied is listed');

  await p.getByRole('button', { name: 'Sign out' }).click();
  await p.waitForURL(/\/portal\/sign-in\?signed_out=1$/);
  await p.goBack();
  assert.match(p.url(), /sign-in/, 'after sign-out, going back shows no conversation');
  assert.equal(await p.getByText('My knee hurts').count(), 0);
});

test('a form on another site cannot post to the portal', async () => {
  const context = await browser.newContext();
  const p = await context.newPage();
  await signIn(p, 'portal', PATIENT);
  await p.goto(`${base}/portal/compose`);
  const team = await p.getByLabel('To').locator('option').nth(1).getAttribute('value');
  const evil = createServer((_, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<form id="f" method="post" action="${base}/portal/threads" enctype="multipart/form-data">
      <input name="team_id" value="${team}"><input name="subject" value="Forged by another site">
      <input name="body" value="forged"></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise((r) => evil.listen(0, '127.0.0.1', r));
  try {
    const refused = p.waitForResponse((r) => r.url() === `${base}/portal/threads`);
    await p.goto(`http://127.0.0.1:${evil.address().port}/`);
    assert.equal((await refused).status(), 403);
  } finally {
    evil.close();
  }
  await p.goto(`${base}/portal`);
  assert.equal(await p.getByText('Forged by another site').count(), 0, 'nothing was sent');
});

test('the staff queue filters by view and category', async () => {
  const s = await (await browser.newContext()).newPage();
  await signIn(s, 'staff', NURSE);
  await s.getByRole('link', { name: 'All', exact: true }).click();
  await s.waitForURL(/view=all/);
  await check(s);
  const all = await s.locator('.threads li').count();
  assert.ok(all >= 1, 'the demo clinic has conversations');
  await s.getByLabel('Category').selectOption('billing');
  await s.getByRole('button', { name: 'Filter' }).click();
  await s.waitForURL(/category=billing/);
  assert.ok(await s.locator('.threads li').count() < all);
});

test("a nurse's queue shows a new message without a reload", async () => {
  const s = await (await browser.newContext()).newPage();
  await signIn(s, 'staff', NURSE);
  const p = await (await browser.newContext()).newPage();
  await signIn(p, 'portal', PATIENT);
  await p.goto(`${base}/portal/compose`);
  await p.getByLabel('To').selectOption({ label: 'Family Medicine (demo)' });
  const subject = `Refill ${Date.now()}`;
  await p.getByLabel('Subject').fill(subject);
  await p.getByLabel('Message', { exact: true }).fill('I need a refill of my inhaler.');
  await p.getByRole('button', { name: 'Send' }).click();
  await p.waitForURL(/\/portal\/threads\//);
  await s.getByRole('link', { name: subject }).waitFor({ timeout: 10_000 });
  assert.equal(await s.locator('#live-status').textContent(), 'The queue was updated.');
});

test('an idle page warns, can stay signed in, then signs out and leaves nothing', async () => {
  const context = await browser.newContext();
  await context.clock.install();
  const p = await context.newPage();
  await signIn(p, 'portal', PATIENT);
  // Patients are signed out after 30 idle minutes; the warning comes 2 minutes before.
  await p.clock.fastForward('28:30');
  const warning = p.getByRole('alertdialog');
  await warning.waitFor();
  assert.match(await warning.textContent(), /signed out in 1 min 30 s/);
  await p.getByRole('button', { name: 'Stay signed in' }).click();
  await warning.waitFor({ state: 'detached' });
  await p.clock.fastForward('29:00');
  assert.equal(await p.getByRole('alertdialog').count(), 1, 'warned again near the new limit');
  await p.clock.fastForward('01:05');
  await p.waitForURL(/\/portal\/sign-in\?expired=1$/);
  assert.match(await p.locator('main').textContent(), /signed out because the page was idle/);
  await p.goto(`${base}/portal`);
  assert.match(p.url(), /\/portal\/sign-in$/, 'the session ended on the server too');
});

test('the office pages: each role lands on its work, and every page passes the checks', async () => {
  for (const [email, landing, title] of [
    ['admin@demo.portico.test', '/staff/admin', 'Administration'],
    ['privacy@demo.portico.test', '/staff/privacy', 'Privacy reviews'],
    ['desk@demo.portico.test', '/staff', 'Inbox'],
  ]) {
    const s = await (await browser.newContext()).newPage();
    await s.goto(`${base}/staff/sign-in`);
    await s.getByLabel('Email').fill(email);
    await s.getByLabel('Password').fill(PASSWORD);
    await s.getByRole('button', { name: 'Sign in', exact: true }).click();
    await s.waitForURL(`${base}${landing}`);
    assert.equal(await s.getByRole('heading', { level: 1 }).textContent(), title);
    await check(s);
    if (email.startsWith('admin')) {
      for (const [link, heading] of [['Staff and teams', 'Staff and teams'], ['Register a patient', 'Register a patient'], ['Security', 'Security']]) {
        await s.getByRole('link', { name: link }).click();
        await s.waitForLoadState();
        assert.equal(await s.getByRole('heading', { level: 1 }).textContent(), heading);
        await check(s);
      }
    }
    if (email.startsWith('privacy')) {
      await s.getByRole('link', { name: 'Access report for one patient' }).click();
      await s.getByLabel('MRN').fill('DEMO-0001');
      await s.getByRole('button', { name: 'Run the report' }).click();
      await s.locator('tbody tr').first().waitFor();
      assert.doesNotMatch(s.url(), /DEMO-0001/, 'the MRN stays out of the address');
      assert.ok(await s.locator('tbody tr').count() >= 1, 'the demo clinic has accesses to report');
      await check(s);
    }
    if (email.startsWith('desk')) {
      await s.getByRole('link', { name: 'Social inbox' }).click();
      await s.waitForURL(`${base}/staff/social`);
      assert.match(await s.locator('main').textContent(), /\[[A-Z]+\]/, 'the demo items are shown redacted');
      await check(s);
      await s.getByRole('link', { name: 'Find a patient' }).click();
      await s.getByLabel(/MRN, email or name/).fill('DEMO-0001');
      await s.getByRole('button', { name: 'Find' }).click();
      await s.locator('table').waitFor();
      assert.doesNotMatch(s.url(), /DEMO-0001/, 'the MRN stays out of the address');
      assert.match(await s.locator('table').textContent(), /Alex Demo \(FAKE\)/);
      await check(s);
    }
  }
});

test('a Spanish-speaking patient gets the portal in Spanish, and can switch', async () => {
  const p = await (await browser.newContext({ locale: 'es-MX' })).newPage();
  await p.goto(`${base}/portal/sign-in`);
  assert.equal(await p.getByRole('heading', { level: 1 }).textContent(), 'Inicie sesión en su portal del paciente');
  await check(p);
  await p.getByLabel('Correo electrónico').fill(PATIENT);
  await p.getByLabel('Contraseña').fill(PASSWORD);
  await p.getByRole('button', { name: 'Iniciar sesión' }).click();
  await p.waitForURL(`${base}/portal`);
  assert.equal(await p.getByRole('heading', { level: 1 }).textContent(), 'Sus mensajes');
  await check(p);
  await p.getByRole('link', { name: 'Escribir a su equipo de atención' }).click();
  await check(p);
  await p.getByRole('link', { name: 'English' }).click();
  assert.equal(await p.getByRole('heading', { level: 1 }).textContent(), 'Write to your care team');
  await p.goto(`${base}/portal`);
  assert.equal(await p.getByRole('heading', { level: 1 }).textContent(), 'Your messages', 'the choice is kept');
});

test("a parent switches between their own and their child's conversations", async () => {
  const p = await (await browser.newContext()).newPage();
  await signIn(p, 'portal', 'sam.demo@demo.portico.test');
  const people = p.getByRole('navigation', { name: 'Whose messages' });
  await people.getByRole('link', { name: /Riley/ }).click();
  await p.waitForURL(/\/portal\?for=/);
  await check(p);
  assert.match(await p.locator('.threads').textContent(), /Riley's fever \(demo\)/);
  await p.goto(`${base}/portal/compose`);
  await check(p);
  assert.ok(await p.getByLabel('Who is this about').locator('option', { hasText: /Riley/ }).count() === 1);
});

test('at 320 px nothing scrolls sideways, and a keyboard alone signs in and reaches the form to write', async () => {
  const p = await (await browser.newContext({ viewport: { width: 320, height: 640 } })).newPage();
  const fits = async () => {
    const [scroll, width] = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= width, `${p.url()} is ${scroll} px wide in a ${width} px window`);
  };
  await p.goto(`${base}/portal/sign-in`);
  await fits();
  // Keyboard only: the skip link first, then the form in order.
  await p.keyboard.press('Tab');
  assert.equal(await p.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await p.getByLabel('Email').focus();
  await p.keyboard.type(PATIENT);
  await p.keyboard.press('Tab');
  await p.keyboard.type(PASSWORD);
  await p.keyboard.press('Enter');
  await p.waitForURL(`${base}/portal`);
  await fits();
  await p.getByRole('link', { name: 'Write to your care team' }).focus();
  await p.keyboard.press('Enter');
  await p.waitForURL(`${base}/portal/compose`);
  await fits();
  await p.goto(`${base}/portal`);
  await p.locator('.threads a').first().click();
  await fits();
});

test('at 320 px the staff pages do not scroll sideways either', async () => {
  for (const [email, paths] of [
    [NURSE, ['/staff', '/staff?view=all', '/staff/security']],
    ['desk@demo.portico.test', ['/staff/social', '/staff/patients', '/staff/register']],
    ['privacy@demo.portico.test', ['/staff/privacy', '/staff/privacy/report']],
    ['admin@demo.portico.test', ['/staff/admin', '/staff/admin/people']],
  ]) {
    const p = await (await browser.newContext({ viewport: { width: 320, height: 640 } })).newPage();
    await signIn(p, 'staff', email);
    const pages = [...paths];
    if (email === NURSE) {
      await p.goto(`${base}/staff?view=all`);
      pages.push(new URL(await p.locator('#queue a[href^="/staff/threads/"]').first().getAttribute('href'), base).pathname);
    }
    for (const path of pages) {
      await p.goto(`${base}${path}`);
      const [scroll, width, wide] = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth,
        [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth)
          .slice(-3).map((e) => `${e.tagName}.${e.className}: ${e.textContent.slice(0, 40)}`)]);
      assert.ok(scroll <= width, `${path} is ${scroll} px wide in a ${width} px window (${email}): ${wide.join(' | ')}`);
    }
    await p.context().close();
  }
});

test('a passkey is added from the security page, then signs in alone; once removed it no longer does', async () => {
  // Browsers refuse an IP address as a passkey's site: on a loopback address Portico's passkeys
  // live at localhost, and the pages at 127.0.0.1 say so.
  const local = base.replace('127.0.0.1', 'localhost');
  for (const [side, email, home] of [['portal', 'sam.demo@demo.portico.test', 'portal'], ['staff', 'dr.rivera@demo.portico.test', 'staff']]) {
    const context = await browser.newContext();
    const p = await context.newPage();
    const cdp = await context.newCDPSession(p);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', { options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true } });

    await p.goto(`${base}/${side}/sign-in`);
    await p.getByRole('link', { name: `${local}/${side}/sign-in` }).waitFor();
    assert.equal(await p.getByRole('button', { name: 'Sign in with a passkey' }).isVisible(), false);

    await signIn(p, side, email, local);
    await p.goto(`${local}/${side}/security`);
    await check(p);
    await p.getByRole('button', { name: 'Add a passkey' }).click();
    await p.waitForURL(/done=passkey$/);
    await check(p);
    assert.match(await p.locator('main').textContent(), /Your passkey was added/);
    assert.match(await p.locator('.passkeys').textContent(), /Passkey 1, added/);

    await p.getByRole('button', { name: 'Sign out', exact: true }).click();
    await p.waitForURL(/sign-in\?signed_out=1$/);
    await p.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await p.waitForURL(`${local}/${home}`);
    await check(p);

    await p.goto(`${local}/${side}/security`);
    assert.match(await p.locator('.passkeys').textContent(), /last used/, 'the sign-in is recorded on the passkey');
    await p.getByRole('button', { name: 'Remove: Passkey 1' }).click();
    await p.waitForURL(/done=passkey_removed$/);
    assert.equal(await p.locator('.passkeys').count(), 0);
    await p.getByRole('button', { name: 'Sign out', exact: true }).click();
    await p.waitForURL(/sign-in\?signed_out=1$/);
    await p.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await p.getByText('The passkey did not work').waitFor();
    assert.match(p.url(), /sign-in/, 'a removed passkey signs no one in');
    await context.close();
  }
});

test('the front desk registers a patient, who enrolls with the code and writes to the care team', async () => {
  const desk = await (await browser.newContext()).newPage();
  await signIn(desk, 'staff', 'desk@demo.portico.test');
  await desk.goto(`${base}/staff/register`);
  await check(desk);
  const mrn = `BR-${Date.now()}`;
  await desk.getByLabel('Full name').fill('Jordan Browser (FAKE)');
  await desk.getByLabel(/Date of birth/).fill('1988-08-08');
  await desk.getByLabel('Medical record number').fill(mrn);
  await desk.getByRole('button', { name: 'Register and create the invitation code' }).click();
  const code = (await desk.locator('.invite-code').textContent()).trim();
  assert.ok(code.length >= 8, `an invitation code is shown once: ${code}`);
  // The new patient is found from the beginning of a name.
  await desk.goto(`${base}/staff/patients`);
  await desk.getByLabel(/MRN, email or name/).fill('jord brow');
  await desk.getByRole('button', { name: 'Find' }).click();
  await desk.getByRole('cell', { name: mrn }).waitFor();
  await check(desk);

  const p = await (await browser.newContext()).newPage();
  await p.goto(`${base}/portal/enroll`);
  await p.getByLabel('Invitation code').fill(code);
  await p.getByLabel('Date of birth').fill('1988-08-08');
  await p.getByLabel('Email').fill(`jordan.${Date.now()}@patients.test`);
  await p.getByLabel(/password/i).fill('a long new password 2026');
  await p.getByRole('button', { name: 'Open my account' }).click();
  await p.waitForURL(`${base}/portal`);
  await check(p);
  await p.getByRole('link', { name: 'Write to your care team' }).click();
  await p.getByLabel('To').selectOption({ label: 'Family Medicine (demo)' });
  await p.getByLabel('Subject').fill('First question');
  await p.getByLabel('Message', { exact: true }).fill('Hello from my new account.');
  await p.getByRole('button', { name: 'Send' }).click();
  await p.waitForURL(/\/portal\/threads\//);
  assert.equal(await p.locator('.message .body').last().textContent(), 'Hello from my new account.');
});
