// SPDX-License-Identifier: MIT
// Browser test of the poll app (../PROTOCOL.md): the built poll.xdc runs in headless Chromium
// (Debian's chromium, driven by playwright-core from .browser/, see scripts/setup), with
// webxdc-standin.js as its webxdc.js. Every file is served from the .xdc itself; any other request
// is refused and fails the test, so the app provably works offline.
//
//   node poll_app_test.mjs build/ci/bots/poll/poll.xdc
//
// Environment: DCBOT_BROWSER_DIR (default: <repo>/.browser), DCBOT_CHROMIUM (default:
// /usr/bin/chromium). Exits 77 (ctest: skipped) only when Chromium is not installed.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const chromiumPath = process.env.DCBOT_CHROMIUM || "/usr/bin/chromium";
const browserDir = process.env.DCBOT_BROWSER_DIR || path.join(repo, ".browser");
const xdcPath = process.argv[2];

if (!existsSync(chromiumPath)) {
  console.log(`SKIP: Chromium is not installed at ${chromiumPath} (scripts/setup installs Debian's chromium)`);
  process.exit(77);
}
if (!xdcPath || !existsSync(xdcPath)) {
  console.error(`usage: node poll_app_test.mjs POLL_XDC (built by the poll_xdc target); got '${xdcPath ?? ""}'`);
  process.exit(2);
}
let chromium;
try {
  ({ chromium } = createRequire(path.join(browserDir, "package.json"))("playwright-core"));
} catch (err) {
  console.error(`playwright-core is missing in ${browserDir}: run scripts/setup (${err.message})`);
  process.exit(1);
}

// The entries of a ZIP archive (stored or deflated), enough for the .xdc the build makes.
function readZip(bytes) {
  let eocd = bytes.length - 22;
  while (eocd >= 0 && bytes.readUInt32LE(eocd) !== 0x06054b50) eocd -= 1;
  assert.ok(eocd >= 0, "poll.xdc: no end of central directory");
  const count = bytes.readUInt16LE(eocd + 10);
  let at = bytes.readUInt32LE(eocd + 16);
  const files = new Map();
  for (let i = 0; i < count; i += 1) {
    assert.equal(bytes.readUInt32LE(at), 0x02014b50, "poll.xdc: bad central directory entry");
    const method = bytes.readUInt16LE(at + 10);
    const compressed = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.toString("utf8", at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith("/")) continue;
    const dataStart = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const data = bytes.subarray(dataStart, dataStart + compressed);
    assert.ok(method === 0 || method === 8, `poll.xdc: ${name} uses compression method ${method}`);
    files.set(name, method === 0 ? Buffer.from(data) : zlib.inflateRawSync(data));
  }
  return files;
}

const ORIGIN = "http://poll.invalid";
const SELF = "5e1f0000000000000000000000000000000000000000000000000000000000aa";
const POLL = { type: "poll", question: "Pizza or pasta?", options: ["Pizza", "Pasta", "Both"] };
const TYPES = { html: "text/html", css: "text/css", js: "text/javascript", png: "image/png", toml: "text/plain" };

const app = readZip(readFileSync(xdcPath));
const standIn = readFileSync(path.join(here, "webxdc-standin.js"));
let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
});

after(async () => {
  await browser?.close();
});

// Opens the app with the stand-in configured; `refused` collects every request the app made that
// is not one of its own files, `errors` every uncaught page error.
async function openApp({ selfAddr = SELF, selfName = "Carol", history = [] } = {}) {
  const context = await browser.newContext({ offline: true });
  const refused = [];
  const errors = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    const name = url.pathname.replace(/^\//, "");
    if (url.origin === ORIGIN && name === "webxdc.js") {
      return route.fulfill({ status: 200, contentType: TYPES.js, body: standIn });
    }
    if (url.origin === ORIGIN && app.has(name)) {
      const type = TYPES[path.extname(name).slice(1)] || "application/octet-stream";
      return route.fulfill({ status: 200, contentType: type, body: app.get(name) });
    }
    refused.push(url.href);
    return route.abort();
  });
  await context.addInitScript((config) => {
    window.__webxdcStandInConfig = config;
  }, { selfAddr, selfName, history });
  const page = await context.newPage();
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(`${ORIGIN}/index.html`);
  await page.evaluate(() => window.__webxdcStandIn.ready);
  return { page, context, refused, errors };
}

async function close({ context, refused, errors }) {
  await context.close();
  assert.deepEqual(refused, [], "the app requested something outside its .xdc");
  assert.deepEqual(errors, [], "uncaught errors in the page");
}

const deliver = (page, update) => page.evaluate((u) => window.__webxdcStandIn.deliver(u), update);
const vote = (voter, option) => ({ payload: { type: "vote", option, voter } });
const sent = (page) => page.evaluate(() => window.__webxdcStandIn.sent);
const text = (page, selector) => page.locator(selector).textContent();

// What the page shows: the question, per option [label, count text, bar width, disabled, mine].
async function shown(page) {
  return page.evaluate(() => ({
    question: document.getElementById("question").textContent,
    total: document.getElementById("total").textContent,
    status: document.getElementById("status").textContent,
    options: Array.from(document.querySelectorAll("#options button.option")).map((b) => [
      b.querySelector(".label").textContent,
      b.querySelector(".count").textContent,
      b.querySelector(".bar").style.width,
      b.disabled,
      b.classList.contains("mine"),
    ]),
  }));
}

describe("poll app", () => {
  test("the .xdc holds the app and no webxdc.js of its own", () => {
    for (const name of ["index.html", "manifest.toml", "poll.js", "style.css", "icon.png"]) {
      assert.ok(app.has(name), `${name} missing in poll.xdc`);
    }
    assert.ok(!app.has("webxdc.js"), "webxdc.js is the messenger's, it must not be shipped");
  });

  test("waits for the poll, then renders its question and options", async () => {
    const session = await openApp();
    const { page } = session;
    assert.equal(await text(page, "#question"), "Waiting for the poll…");
    assert.equal(await page.locator("#options button").count(), 0);

    await deliver(page, { payload: POLL, document: POLL.question });
    const view = await shown(page);
    assert.equal(view.question, "Pizza or pasta?");
    assert.deepEqual(view.options, [
      ["Pizza", "0 · 0%", "0%", false, false],
      ["Pasta", "0 · 0%", "0%", false, false],
      ["Both", "0 · 0%", "0%", false, false],
    ]);
    assert.equal(view.total, "No votes yet");
    assert.equal(view.status, "Voting as Carol: one vote, it cannot be changed.");
    assert.equal(await page.locator("#hint").isHidden(), true);
    assert.deepEqual(await sent(page), [], "the app sends nothing by itself");
    await close(session);
  });

  test("clicking option 2 sends exactly the vote payload, once; other votes render live; a double vote counts once", async () => {
    const session = await openApp();
    const { page } = session;
    await deliver(page, { payload: POLL, document: POLL.question });

    await page.getByRole("button", { name: /Pasta/ }).click();
    assert.deepEqual(await sent(page), [
      { update: { payload: { type: "vote", option: 1, voter: SELF } }, descr: null },
    ]);
    // The messenger echoes the own update to the listener; then the vote is counted and final.
    await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("You voted"));
    let view = await shown(page);
    assert.equal(view.status, "You voted for “Pasta”.");
    assert.deepEqual(view.options, [
      ["Pizza", "0 · 0%", "0%", true, false],
      ["Pasta", "1 · 100%", "100%", true, true],
      ["Both", "0 · 0%", "0%", true, false],
    ]);
    assert.equal(view.total, "1 vote");

    // A second click does nothing: the options are disabled and nothing more is sent.
    await page.getByRole("button", { name: /Both/ }).click({ force: true });
    await page.evaluate(() => document.querySelector('button[data-option="0"]').click());
    assert.equal((await sent(page)).length, 1);

    // Other members' votes arrive and the tally follows live.
    await deliver(page, vote("aa01", 0));
    view = await shown(page);
    assert.deepEqual(view.options.map((o) => o[1]), ["1 · 50%", "1 · 50%", "0 · 0%"]);
    assert.equal(view.total, "2 votes");
    await deliver(page, vote("bb02", 2));
    await deliver(page, vote("cc03", 1));
    view = await shown(page);
    assert.deepEqual(view.options.map((o) => o.slice(1, 3)), [
      ["1 · 25%", "25%"],
      ["2 · 50%", "50%"],
      ["1 · 25%", "25%"],
    ]);
    assert.equal(view.total, "4 votes");

    // Double votes (the same voter again, for another option or the same; our own from a second
    // device) are ignored: the first vote of each voter stays.
    await deliver(page, vote("bb02", 0));
    await deliver(page, vote("bb02", 2));
    await deliver(page, vote(SELF, 0));
    view = await shown(page);
    assert.deepEqual(view.options.map((o) => o[1]), ["1 · 25%", "2 · 50%", "1 · 25%"]);
    assert.equal(view.total, "4 votes");
    assert.equal(view.status, "You voted for “Pasta”.");
    assert.equal((await sent(page)).length, 1);
    await close(session);
  });

  test("invalid updates and a second poll are ignored", async () => {
    const session = await openApp();
    const { page } = session;
    await deliver(page, { payload: POLL });
    await deliver(page, vote("dd04", 2));
    const before = await shown(page);
    for (const update of [
      vote("ee05", 3), // no such option
      vote("ee05", -1),
      vote("ee05", 1.5),
      vote("ee05", "1"),
      vote("", 0),
      vote("x".repeat(201), 0),
      { payload: { type: "vote", option: 0 } }, // no voter
      { payload: { type: "poll", question: "Replaced?", options: ["a", "b"] } },
      { payload: { type: "results", counts: [9, 9, 9] } }, // unknown type
      { payload: null },
      { payload: "vote" },
      { payload: [1, 2] },
    ]) {
      await deliver(page, update);
    }
    assert.deepEqual(await shown(page), before);
    assert.equal(before.total, "1 vote");
    // ee05's invalid votes were not its vote: its first valid one still counts.
    await deliver(page, vote("ee05", 0));
    assert.equal((await shown(page)).total, "2 votes");
    await close(session);
  });

  test("an invalid poll is ignored and the next valid one defines the poll", async () => {
    const session = await openApp();
    const { page } = session;
    for (const payload of [
      { type: "poll", question: "Only one option?", options: ["a"] },
      { type: "poll", question: "   ", options: ["a", "b"] },
      { type: "poll", question: "Empty option?", options: ["a", ""] },
      { type: "poll", question: "Not text?", options: ["a", 2] },
      { type: "poll", question: "Too many?", options: Array.from({ length: 21 }, (_, i) => `o${i}`) },
      { type: "poll", question: "q".repeat(1001), options: ["a", "b"] },
    ]) {
      await deliver(page, { payload });
      assert.equal(await text(page, "#question"), "Waiting for the poll…");
    }
    await deliver(page, { payload: POLL });
    assert.equal(await text(page, "#question"), "Pizza or pasta?");
    await close(session);
  });

  test("votes that arrive before the poll are counted when it arrives", async () => {
    const session = await openApp();
    const { page } = session;
    await deliver(page, vote("ff06", 1));
    await deliver(page, vote("ff06", 0)); // a double vote
    await deliver(page, vote("ab07", 5)); // invalid once the poll is known
    await deliver(page, vote("ab07", 2));
    await deliver(page, { payload: POLL });
    const view = await shown(page);
    assert.deepEqual(view.options.map((o) => o[1]), ["0 · 0%", "1 · 50%", "1 · 50%"]);
    assert.equal(view.total, "2 votes");
    await close(session);
  });

  test("reopened, the app replays the history and shows the own vote as final", async () => {
    const history = [{ payload: POLL }, vote("aa01", 2), vote(SELF, 0), vote("bb02", 2)];
    const session = await openApp({ history });
    const { page } = session;
    const view = await shown(page);
    assert.equal(view.status, "You voted for “Pizza”.");
    assert.deepEqual(view.options, [
      ["Pizza", "1 · 33%", "33%", true, true],
      ["Pasta", "0 · 0%", "0%", true, false],
      ["Both", "2 · 67%", "67%", true, false],
    ]);
    assert.equal(view.total, "3 votes");
    assert.deepEqual(await sent(page), []);
    await close(session);
  });

  test("text from updates is shown as text, never run as HTML", async () => {
    const session = await openApp({ selfName: "<b>Mallory</b>" });
    const { page } = session;
    const question = '<img src="x" onerror="window.__pwned = 1">Really?';
    const option = "<script>window.__pwned = 2</script>";
    await deliver(page, { payload: { type: "poll", question, options: [option, "fine"] } });
    assert.equal(await text(page, "#question"), question);
    assert.equal(await text(page, 'button[data-option="0"] .label'), option);
    assert.equal(await text(page, "#status"), "Voting as <b>Mallory</b>: one vote, it cannot be changed.");
    assert.equal(await page.locator("main img, main script, main b").count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await close(session);
  });
});
